//! Rebuilds the crate when a migration is added: `sqlx::migrate!` embeds the migration directories at compile
//! time, and cargo does not otherwise notice new files in them.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
