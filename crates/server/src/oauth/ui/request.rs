//! The extractors every hosted-UI page is built on: `HostedRequest`, a request whose OAuth parameters passed the
//! authorize checks (an invalid one never reaches a handler), and `HostedForm<T>`, a form post that also carried
//! the browser's CSRF token, with its fields typed as `T`.

use std::collections::BTreeMap;
use std::sync::Arc;

use askama::Template;
use axum::extract::{Form, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use latchkey_core::oauth::hosted::Authenticated;
use latchkey_core::Latchkey;
use serde::de::value::MapDeserializer;
use serde::{Deserialize, Deserializer};

use super::page::{render, Frame, PageError, Ui};
use crate::oauth::authorize::reject;
use crate::oauth::cookies;
use crate::oauth::params::{check, AuthorizeParams, Checked};
use crate::AppState;

/// A query or form as name → value; of a name given twice, the last value counts.
pub type Fields = BTreeMap<String, String>;

/// A hosted-UI request for a valid authorization request.
pub struct HostedRequest {
    st: Arc<AppState>,
    pub checked: Checked,
    pub params: AuthorizeParams,
    /// The whole query, for what pages pass each other besides the OAuth parameters (`username`, `notice`).
    pub query: Fields,
    pub jar: CookieJar,
}

/// Splits a raw query into the authorization parameters and every field.
fn parse_query(raw: Option<&str>) -> (AuthorizeParams, Fields) {
    let raw = raw.unwrap_or_default();
    let params = serde_urlencoded::from_str(raw).unwrap_or_default();
    let all = serde_urlencoded::from_str(raw).unwrap_or_default();
    (params, all)
}

impl HostedRequest {
    async fn check(st: &Arc<AppState>, query: Option<&str>, headers: &HeaderMap) -> Result<Self, Response> {
        let (params, query) = parse_query(query);
        let checked = check(&st.latchkey, &params).await.map_err(reject)?;
        Ok(Self {
            st: st.clone(),
            checked,
            params,
            query,
            jar: CookieJar::from_headers(headers),
        })
    }

    pub fn lk(&self) -> &Latchkey {
        &self.st.latchkey
    }

    /// The user the browser's live hosted-UI session signs in to this request's pool, if any.
    pub async fn session_user(&self) -> Option<Authenticated> {
        cookies::session_user(self.lk(), &self.jar, &self.checked.pool).await
    }

    /// A field of the query, or "".
    pub fn query_field(&self, name: &str) -> String {
        self.query.get(name).cloned().unwrap_or_default()
    }

    /// The frame of a page for this request, setting the CSRF cookie when the browser has none.
    pub fn frame(&mut self) -> Frame {
        let (jar, csrf) = cookies::csrf(&self.st.latchkey, std::mem::take(&mut self.jar));
        self.jar = jar;
        Frame {
            ui: Ui::of(&self.checked.pool, &self.checked.client.client_id),
            q: self.params.to_query(),
            csrf,
            error: None,
            notice: None,
        }
    }

    /// Shows `page` with the request's cookies.
    pub fn show(self, page: &impl Template) -> Response {
        (self.jar, render(StatusCode::OK, page)).into_response()
    }
}

impl FromRequestParts<Arc<AppState>> for HostedRequest {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, st: &Arc<AppState>) -> Result<Self, Response> {
        Self::check(st, parts.uri.query(), &parts.headers).await
    }
}

/// A hosted-UI form post: the checked request, and the form's fields as `T` once its CSRF token matched.
pub struct HostedForm<T> {
    pub request: HostedRequest,
    pub form: T,
}

const EXPIRED_FORM: &str = "Your form has expired. Go back, reload the page and try again.";

impl<T: for<'de> Deserialize<'de>> FromRequest<Arc<AppState>> for HostedForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, st: &Arc<AppState>) -> Result<Self, Response> {
        let query = req.uri().query().map(str::to_string);
        let headers = req.headers().clone();
        // The body, then the OAuth parameters, then the CSRF token: a request wrong in several ways is refused for
        // the first.
        let Form(fields) = Form::<Fields>::from_request(req, st)
            .await
            .map_err(IntoResponse::into_response)?;
        let request = HostedRequest::check(st, query.as_deref(), &headers).await?;
        let token = fields.get("_csrf").map(String::as_str).unwrap_or_default();
        if !cookies::csrf_ok(request.lk(), &request.jar, token) {
            return Err(PageError::new(StatusCode::FORBIDDEN, EXPIRED_FORM).into_response());
        }
        let form = typed(fields)
            .map_err(|e| PageError::bad_request(format!("The form is not valid: {e}")).into_response())?;
        Ok(Self { request, form })
    }
}

/// The fields as `T`. They are read as `Fields` first, not straight into `T`, because a form (or a hand-written
/// request) may repeat a name and the pages always took its last value, where `T` would refuse the repeat. Every
/// value is a string, so only a form type that wanted something else could fail here.
fn typed<T: for<'de> Deserialize<'de>>(fields: Fields) -> Result<T, serde::de::value::Error> {
    T::deserialize(MapDeserializer::new(fields.into_iter()))
}

/// The `attr_<name>` fields of a form (the required attributes a page asks for), by name.
#[derive(Debug, Default, PartialEq)]
pub struct AttributeFields(pub Fields);

impl<'de> Deserialize<'de> for AttributeFields {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let all = Fields::deserialize(d)?;
        Ok(Self(
            all.into_iter()
                .filter_map(|(k, v)| k.strip_prefix("attr_").map(|name| (name.to_string(), v)))
                .collect(),
        ))
    }
}

/// For a field whose presence is what counts (a button's name), whatever its value.
pub fn present<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    String::deserialize(d).map(|_| true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, PartialEq, Deserialize)]
    #[serde(default)]
    struct Sample {
        username: String,
        #[serde(deserialize_with = "present")]
        resend: bool,
        #[serde(flatten)]
        attributes: AttributeFields,
    }

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn forms_are_typed_with_defaults_presence_flags_and_attributes() {
        let empty: Sample = typed(Fields::new()).unwrap();
        assert_eq!(empty, Sample::default());
        let full: Sample = typed(fields(&[
            ("_csrf", "t"),
            ("username", "ann"),
            ("resend", ""),
            ("attr_name", "Ann"),
            ("attr_custom:team", "blue"),
        ]))
        .unwrap();
        assert_eq!(full.username, "ann");
        assert!(full.resend, "a present field counts whatever its value");
        assert_eq!(
            full.attributes.0,
            fields(&[("custom:team", "blue"), ("name", "Ann")])
        );
    }
}
