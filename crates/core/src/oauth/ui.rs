//! SetUICustomization / GetUICustomization: CSS and a logo for the hosted UI, per pool ("ALL") or per app client.
//! CSS is limited to Cognito's customizable classes and plain declarations, so it cannot inject markup, script,
//! imports or remote resources; the logo must be a PNG or JPEG of at most 100 KB.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::error::{CognitoError, Result};
use crate::pools::UserPool;
use crate::service::Latchkey;
use crate::time::Timestamp;

pub const ALL_CLIENTS: &str = "ALL";
pub const MAX_IMAGE_BYTES: usize = 100 * 1024;

/// The classes Cognito lets pools restyle.
pub const CUSTOMIZABLE_CLASSES: &[&str] = &[
    "background-customizable",
    "banner-customizable",
    "errorMessage-customizable",
    "idpButton-customizable",
    "idpDescription-customizable",
    "inputField-customizable",
    "label-customizable",
    "legalText-customizable",
    "logo-customizable",
    "redirect-customizable",
    "socialButton-customizable",
    "submitButton-customizable",
    "textDescription-customizable",
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UiCustomization {
    pub css: Option<String>,
    /// Base64 of the logo image.
    pub image: Option<String>,
    pub image_type: Option<String>,
    pub css_version: String,
    pub created: Timestamp,
    pub modified: Timestamp,
}

fn invalid_css(why: &str) -> CognitoError {
    CognitoError::invalid_parameter(format!("The CSS is not valid: {why}"))
}

/// Accepts `selector { property: value; ... }` rules whose selectors are customizable classes (optionally with a
/// :hover or :focus pseudo-class) and whose values carry nothing that could load or run anything.
pub fn check_css(css: &str) -> Result<()> {
    let lowered = css.to_ascii_lowercase();
    for banned in [
        "<",
        ">",
        "@",
        "\\",
        "url(",
        "expression(",
        "javascript:",
        "behavior",
        "-moz-binding",
        "/*",
    ] {
        if lowered.contains(banned) {
            return Err(invalid_css(&format!("'{banned}' is not allowed")));
        }
    }
    let mut rest = css;
    while !rest.trim().is_empty() {
        let open = rest.find('{').ok_or_else(|| invalid_css("expected '{'"))?;
        let close = rest[open..]
            .find('}')
            .map(|i| open + i)
            .ok_or_else(|| invalid_css("expected '}'"))?;
        let selector = rest[..open].trim();
        let body = &rest[open + 1..close];
        if body.contains('{') {
            return Err(invalid_css("nested blocks are not allowed"));
        }
        for sel in selector.split(',') {
            let sel = sel.trim();
            let class = sel
                .strip_prefix('.')
                .ok_or_else(|| invalid_css(&format!("selector '{sel}' must be a class")))?;
            let class = class.split_once(':').map_or(class, |(c, pseudo)| {
                if matches!(pseudo, "hover" | "focus") {
                    c
                } else {
                    ""
                }
            });
            if !CUSTOMIZABLE_CLASSES.contains(&class) {
                return Err(invalid_css(&format!("'{sel}' is not a customizable class")));
            }
        }
        for decl in body.split(';').map(str::trim).filter(|d| !d.is_empty()) {
            let (prop, value) = decl
                .split_once(':')
                .ok_or_else(|| invalid_css(&format!("'{decl}' is not a declaration")))?;
            let prop = prop.trim();
            if prop.is_empty() || !prop.chars().all(|c| c.is_ascii_lowercase() || c == '-') {
                return Err(invalid_css(&format!("'{prop}' is not a property")));
            }
            if value.trim().is_empty() {
                return Err(invalid_css(&format!("'{prop}' has no value")));
            }
        }
        rest = &rest[close + 1..];
    }
    Ok(())
}

fn image_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a]) {
        Some("image/png")
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else {
        None
    }
}

impl Latchkey {
    fn ui_wire(&self, pool: &UserPool, client_id: &str, c: Option<&UiCustomization>) -> Value {
        let mut v = json!({"UserPoolId": pool.id, "ClientId": client_id});
        if let Some(c) = c {
            if let Some(css) = &c.css {
                v["CSS"] = json!(css);
            }
            v["CSSVersion"] = json!(c.css_version);
            v["CreationDate"] = json!(c.created);
            v["LastModifiedDate"] = json!(c.modified);
            if c.image.is_some() {
                v["ImageUrl"] = json!(self.logo_url(&pool.id, client_id, &c.css_version));
            }
        }
        v
    }

    pub fn logo_url(&self, pool_id: &str, client_id: &str, version: &str) -> String {
        format!(
            "{}/ui/logo?pool={pool_id}&client={client_id}&v={version}",
            self.settings.public_url
        )
    }

    pub async fn set_ui_customization(
        &self,
        pool_id: &str,
        client_id: Option<&str>,
        css: Option<String>,
        image_b64: Option<&str>,
    ) -> Result<Value> {
        let key = client_id.unwrap_or(ALL_CLIENTS).to_string();
        if key != ALL_CLIENTS {
            self.client_in_pool(pool_id, &key).await?;
        }
        if css.is_none() && image_b64.is_none() {
            // Neither CSS nor image: the customization is removed (Terraform's destroy sends exactly this), and
            // the client falls back to the pool's, the pool to the default look.
            let (pool, ()) = self
                .mutate_pool(pool_id, |pool| {
                    pool.ui_customizations.remove(&key);
                    Ok(())
                })
                .await?;
            return Ok(self.ui_wire(&pool, &key, None));
        }
        if let Some(c) = &css {
            check_css(c)?;
        }
        let image = match image_b64 {
            Some(b64) => {
                let bytes = STANDARD
                    .decode(b64)
                    .map_err(|_| CognitoError::invalid_parameter("ImageFile is not valid base64."))?;
                if bytes.len() > MAX_IMAGE_BYTES {
                    return Err(CognitoError::invalid_parameter(
                        "ImageFile must be at most 100 KB.",
                    ));
                }
                let ty = image_type(&bytes).ok_or_else(|| {
                    CognitoError::invalid_parameter("ImageFile must be a PNG or JPEG image.")
                })?;
                Some((b64.to_string(), ty.to_string()))
            }
            None => None,
        };
        let now = self.clock.now();
        let version = format!("{}", now.millis());
        let (pool, ()) = self
            .mutate_pool(pool_id, |pool| {
                let created = pool.ui_customizations.get(&key).map_or(now, |c| c.created);
                let previous_image = pool
                    .ui_customizations
                    .get(&key)
                    .and_then(|c| c.image.clone().zip(c.image_type.clone()));
                let (image, image_type) = image.clone().or(previous_image).unzip();
                pool.ui_customizations.insert(
                    key.clone(),
                    UiCustomization {
                        css: css.clone(),
                        image,
                        image_type,
                        css_version: version.clone(),
                        created,
                        modified: now,
                    },
                );
                Ok(())
            })
            .await?;
        Ok(self.ui_wire(&pool, &key, pool.ui_customizations.get(&key)))
    }

    /// The client's customization, else the pool's. `ALL` names the pool's own, as SetUICustomization does
    /// (Terraform reads a pool-level customization back with ClientId "ALL").
    pub async fn get_ui_customization(&self, pool_id: &str, client_id: Option<&str>) -> Result<Value> {
        let pool = self.pool(pool_id).await?;
        let client_id = client_id.filter(|c| *c != ALL_CLIENTS);
        if let Some(c) = client_id {
            self.client_in_pool(pool_id, c).await?;
        }
        let (key, found) = effective(&pool.ui_customizations, client_id);
        Ok(self.ui_wire(&pool, &key, found))
    }

    /// The customization the hosted UI's stylesheet and logo routes serve for `client_id` (or the pool's own for
    /// none or `ALL`); none when the pool cannot be read.
    pub async fn hosted_ui_customization(
        &self,
        pool_id: &str,
        client_id: Option<&str>,
    ) -> Option<UiCustomization> {
        let pool = self.store.get_pool(pool_id).await.ok()??;
        let client_id = client_id.filter(|c| *c != ALL_CLIENTS);
        effective(&pool.ui_customizations, client_id).1.cloned()
    }
}

/// The customization that applies to `client_id`, and the key it is stored under.
pub fn effective<'a>(
    all: &'a BTreeMap<String, UiCustomization>,
    client_id: Option<&str>,
) -> (String, Option<&'a UiCustomization>) {
    if let Some(c) = client_id {
        if let Some(found) = all.get(c) {
            return (c.to_string(), Some(found));
        }
    }
    let key = client_id.unwrap_or(ALL_CLIENTS).to_string();
    (key, all.get(ALL_CLIENTS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn css_is_limited_to_customizable_classes_and_plain_values() {
        check_css(".submitButton-customizable { background-color: rgb(255, 0, 0); }\n.label-customizable:hover{color:#123}").unwrap();
        for bad in [
            "body { color: red }",
            ".submitButton-customizable { background: url(https://evil/x.png) }",
            ".submitButton-customizable { width: expression(alert(1)) }",
            "</style><script>alert(1)</script>",
            "@import 'x.css';",
            ".submitButton-customizable { color: red } .x { color: blue }",
            ".submitButton-customizable { color red }",
            ".submitButton-customizable { a { b } }",
        ] {
            assert!(check_css(bad).is_err(), "{bad}");
        }
    }
}
