//! CORS answered by the gateway, as the OPTIONS mock methods SAM and the API Gateway console add do: a preflight
//! answered without authorization, and `Access-Control-Allow-Origin` added to every answer (the gateway's own
//! 401/403 included) that does not set it already.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;

use super::config::Cors;

/// The API Gateway console's default `Access-Control-Allow-Headers`.
const DEFAULT_ALLOW_HEADERS: &str = "Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token";

/// What `ANY` stands for in `Access-Control-Allow-Methods`.
const ALL_METHODS: [&str; 7] = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"];

/// The preflight answer for a resource with `methods` configured (`ANY` included).
pub fn preflight(cors: &Cors, methods: &[&str]) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::OK;
    let allow_methods = cors
        .allow_methods
        .clone()
        .unwrap_or_else(|| default_methods(methods));
    let headers = response.headers_mut();
    set(headers, "access-control-allow-methods", &allow_methods);
    set(
        headers,
        "access-control-allow-headers",
        cors.allow_headers.as_deref().unwrap_or(DEFAULT_ALLOW_HEADERS),
    );
    if let Some(max_age) = cors.max_age {
        set(headers, "access-control-max-age", &max_age.to_string());
    }
    decorate(cors, &mut response);
    response
}

/// Adds `Access-Control-Allow-Origin` (and `-Allow-Credentials` when configured) unless the answer has them.
pub fn decorate(cors: &Cors, response: &mut Response) {
    let headers = response.headers_mut();
    if !headers.contains_key("access-control-allow-origin") {
        set(headers, "access-control-allow-origin", &cors.allow_origin);
    }
    if cors.allow_credentials && !headers.contains_key("access-control-allow-credentials") {
        set(headers, "access-control-allow-credentials", "true");
    }
}

fn default_methods(methods: &[&str]) -> String {
    let mut all: Vec<&str> = if methods.contains(&"ANY") {
        ALL_METHODS.to_vec()
    } else {
        methods.iter().copied().chain(["OPTIONS"]).collect()
    };
    all.sort_unstable();
    all.dedup();
    all.join(",")
}

fn set(headers: &mut axum::http::HeaderMap, name: &'static str, value: &str) {
    // Configured values were checked when the router was built; an unusable one is left out, not sent broken.
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(name, value);
    }
}

/// Refuses CORS settings no header can carry, when the router is built.
pub fn check(cors: &Cors) -> Result<(), String> {
    for (what, value) in [
        ("allow_origin", Some(cors.allow_origin.as_str())),
        ("allow_methods", cors.allow_methods.as_deref()),
        ("allow_headers", cors.allow_headers.as_deref()),
    ] {
        if let Some(value) = value {
            HeaderValue::from_str(value)
                .map_err(|_| format!("cors.{what}: {value:?} cannot be sent in a header"))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cors() -> Cors {
        Cors {
            allow_origin: "https://app.example.com".into(),
            allow_methods: None,
            allow_headers: None,
            max_age: Some(600),
            allow_credentials: true,
        }
    }

    #[test]
    fn preflight_lists_the_resource_methods() {
        let r = preflight(&cors(), &["POST", "GET"]);
        assert_eq!(r.status(), 200);
        let h = r.headers();
        assert_eq!(h["access-control-allow-methods"], "GET,OPTIONS,POST");
        assert_eq!(h["access-control-allow-headers"], DEFAULT_ALLOW_HEADERS);
        assert_eq!(h["access-control-allow-origin"], "https://app.example.com");
        assert_eq!(h["access-control-allow-credentials"], "true");
        assert_eq!(h["access-control-max-age"], "600");
        let r = preflight(&cors(), &["ANY"]);
        assert_eq!(
            r.headers()["access-control-allow-methods"],
            "DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT"
        );
    }

    #[test]
    fn decorate_keeps_what_the_integration_set() {
        let mut r = Response::new(Body::empty());
        r.headers_mut().insert(
            "access-control-allow-origin",
            HeaderValue::from_static("https://other"),
        );
        decorate(&cors(), &mut r);
        assert_eq!(r.headers()["access-control-allow-origin"], "https://other");
    }

    #[test]
    fn unusable_settings_are_refused() {
        let mut c = cors();
        c.allow_origin = "bad\norigin".into();
        assert!(check(&c).is_err());
        assert!(check(&cors()).is_ok());
    }
}
