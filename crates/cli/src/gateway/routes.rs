//! The routing table: which configured route a method and path reach, the way API Gateway's REST APIs choose —
//! literal segments before `{param}` before a greedy `{proxy+}`, an exact method before `ANY`, and every path
//! served both under `/<stage>/…` and without the prefix.

use std::collections::BTreeMap;

use percent_encoding::percent_decode_str;

use super::config::Route;

/// One segment of a resource path template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
    /// `{name+}`: one or more segments, only last.
    Greedy(String),
}

impl Segment {
    /// Higher ranks win when two resources match the same path (compared segment by segment).
    fn rank(&self) -> u8 {
        match self {
            Segment::Literal(_) => 2,
            Segment::Param(_) => 1,
            Segment::Greedy(_) => 0,
        }
    }
}

/// A resource path (`/items/{id}`) and the routes configured on it, by method (`ANY` included).
#[derive(Debug)]
struct Resource {
    template: String,
    segments: Vec<Segment>,
    /// Method (upper case) → index into the configured routes.
    methods: BTreeMap<String, usize>,
}

/// A path parameter as matched: `raw` as it was in the request (percent-encoded), `value` decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathParam {
    pub raw: String,
    pub value: String,
}

/// A resource the request path reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matched<'a> {
    /// The resource path template, API Gateway's `resource`.
    pub resource: &'a str,
    /// The request path without the stage prefix, API Gateway's `path`.
    pub path: String,
    pub params: BTreeMap<String, PathParam>,
    /// The route for the request's method (an exact method, else `ANY`); none when the resource lacks both.
    pub route: Option<usize>,
    /// Every method configured on the resource, for CORS preflight answers.
    pub methods: Vec<&'a str>,
}

#[derive(Debug)]
pub struct RouteTable {
    stage: Option<String>,
    resources: Vec<Resource>,
}

impl RouteTable {
    /// Checks every route's method and path template; the same method twice on one resource is refused.
    pub fn new(stage: Option<&str>, routes: &[Route]) -> Result<Self, String> {
        let mut resources: Vec<Resource> = Vec::new();
        for (index, route) in routes.iter().enumerate() {
            let method = route.method.trim().to_ascii_uppercase();
            if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(format!(
                    "route {} {}: the method must be an HTTP method or ANY",
                    route.method, route.path
                ));
            }
            let segments = parse_template(&route.path)
                .map_err(|e| format!("route {} {}: {e}", route.method, route.path))?;
            let resource = match resources.iter_mut().find(|r| r.segments == segments) {
                Some(r) => r,
                None => {
                    resources.push(Resource {
                        template: route.path.clone(),
                        segments,
                        methods: BTreeMap::new(),
                    });
                    let last = resources.len() - 1;
                    &mut resources[last]
                }
            };
            if resource.methods.insert(method.clone(), index).is_some() {
                return Err(format!(
                    "route {method} {} is configured twice",
                    resource.template
                ));
            }
        }
        Ok(Self {
            stage: stage.filter(|s| !s.is_empty()).map(str::to_string),
            resources,
        })
    }

    /// The resource `path` (as received, percent-encoded, without the query) reaches, with the route for
    /// `method`. A path under the stage prefix is tried without it first.
    pub fn find(&self, method: &str, path: &str) -> Option<Matched<'_>> {
        if let Some(stage) = &self.stage {
            if let Some(rest) = path
                .strip_prefix('/')
                .and_then(|p| p.strip_prefix(stage.as_str()))
            {
                if rest.is_empty() || rest.starts_with('/') {
                    let unstaged = if rest.is_empty() { "/" } else { rest };
                    if let Some(found) = self.find_unstaged(method, unstaged) {
                        return Some(found);
                    }
                }
            }
        }
        self.find_unstaged(method, path)
    }

    fn find_unstaged(&self, method: &str, path: &str) -> Option<Matched<'_>> {
        // API Gateway ignores a trailing slash.
        let trimmed = path.trim_end_matches('/');
        let request: Vec<&str> = if trimmed.is_empty() {
            Vec::new()
        } else {
            trimmed.trim_start_matches('/').split('/').collect()
        };
        let mut best: Option<(Vec<u8>, &Resource, BTreeMap<String, PathParam>)> = None;
        for resource in &self.resources {
            let Some(params) = match_segments(&resource.segments, &request) else {
                continue;
            };
            let rank: Vec<u8> = resource.segments.iter().map(Segment::rank).collect();
            if best.as_ref().is_none_or(|(r, _, _)| rank > *r) {
                best = Some((rank, resource, params));
            }
        }
        let (_, resource, params) = best?;
        let method = method.to_ascii_uppercase();
        let route = resource
            .methods
            .get(&method)
            .or_else(|| resource.methods.get("ANY"))
            .copied();
        Some(Matched {
            resource: &resource.template,
            path: if trimmed.is_empty() {
                "/".to_string()
            } else {
                path.to_string()
            },
            params,
            route,
            methods: resource.methods.keys().map(String::as_str).collect(),
        })
    }
}

fn parse_template(path: &str) -> Result<Vec<Segment>, String> {
    let Some(rest) = path.strip_prefix('/') else {
        return Err("the path must start with /".into());
    };
    if rest.is_empty() {
        return Ok(Vec::new());
    }
    let parts: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    let mut segments = Vec::with_capacity(parts.len());
    for (i, part) in parts.iter().enumerate() {
        let segment = match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            Some(name) => match name.strip_suffix('+') {
                Some(greedy) if i + 1 == parts.len() => Segment::Greedy(check_name(greedy)?),
                Some(_) => return Err(format!("{{{name}}} must be the last segment")),
                None => Segment::Param(check_name(name)?),
            },
            None if part.is_empty() => return Err("empty path segment".into()),
            None if part.contains(['{', '}']) => {
                return Err(format!("segment {part:?}: a parameter must be a whole segment"))
            }
            None => Segment::Literal(part.to_string()),
        };
        segments.push(segment);
    }
    Ok(segments)
}

fn check_name(name: &str) -> Result<String, String> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
    {
        return Err(format!("{name:?} is not a valid path parameter name"));
    }
    Ok(name.to_string())
}

fn match_segments(template: &[Segment], request: &[&str]) -> Option<BTreeMap<String, PathParam>> {
    let mut params = BTreeMap::new();
    for (i, segment) in template.iter().enumerate() {
        match segment {
            Segment::Greedy(name) => {
                let rest = request.get(i..).filter(|r| !r.is_empty())?;
                params.insert(name.clone(), param(&rest.join("/")));
                return Some(params);
            }
            Segment::Literal(literal) => {
                let part = request.get(i)?;
                // Literal segments compare decoded, so `/a%62c` reaches `/abc` as it does on API Gateway.
                if decode(part) != *literal {
                    return None;
                }
            }
            Segment::Param(name) => {
                let part = request.get(i).filter(|p| !p.is_empty())?;
                params.insert(name.clone(), param(part));
            }
        }
    }
    (template.len() == request.len()).then_some(params)
}

fn param(raw: &str) -> PathParam {
    PathParam {
        raw: raw.to_string(),
        value: decode(raw),
    }
}

fn decode(raw: &str) -> String {
    percent_decode_str(raw).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gateway::config::Integration;

    fn route(method: &str, path: &str) -> Route {
        Route {
            method: method.into(),
            path: path.into(),
            authorizer: None,
            scopes: vec![],
            integration: Integration::Lambda { function: "f".into() },
        }
    }

    fn table(stage: Option<&str>, routes: &[(&str, &str)]) -> RouteTable {
        let routes: Vec<Route> = routes.iter().map(|(m, p)| route(m, p)).collect();
        RouteTable::new(stage, &routes).unwrap()
    }

    fn hit(t: &RouteTable, method: &str, path: &str) -> Option<(String, Option<usize>)> {
        t.find(method, path).map(|m| (m.resource.to_string(), m.route))
    }

    #[test]
    fn literal_beats_param_beats_greedy() {
        let t = table(
            None,
            &[
                ("GET", "/{proxy+}"),
                ("GET", "/items/{id}"),
                ("GET", "/items/special"),
            ],
        );
        assert_eq!(
            hit(&t, "GET", "/items/special"),
            Some(("/items/special".into(), Some(2)))
        );
        assert_eq!(hit(&t, "GET", "/items/7"), Some(("/items/{id}".into(), Some(1))));
        assert_eq!(
            hit(&t, "GET", "/items/7/more"),
            Some(("/{proxy+}".into(), Some(0)))
        );
        assert_eq!(hit(&t, "GET", "/other"), Some(("/{proxy+}".into(), Some(0))));
    }

    #[test]
    fn earlier_literal_segment_decides() {
        let t = table(None, &[("GET", "/a/{x}/c"), ("GET", "/a/b/{y}")]);
        assert_eq!(hit(&t, "GET", "/a/b/c").unwrap().0, "/a/b/{y}");
    }

    #[test]
    fn greedy_proxy_takes_the_rest_and_needs_one_segment() {
        let t = table(None, &[("ANY", "/files/{proxy+}")]);
        let m = t.find("PUT", "/files/a/b%20c/d").unwrap();
        assert_eq!(m.params["proxy"].value, "a/b c/d");
        assert_eq!(m.params["proxy"].raw, "a/b%20c/d");
        assert_eq!(m.route, Some(0));
        assert!(t.find("GET", "/files").is_none());
        assert!(t.find("GET", "/files/").is_none());
    }

    #[test]
    fn params_are_decoded_and_path_kept_as_sent() {
        let t = table(None, &[("GET", "/users/{email}")]);
        let m = t.find("GET", "/users/a%2Bb%40example.com").unwrap();
        assert_eq!(m.params["email"].value, "a+b@example.com");
        assert_eq!(m.path, "/users/a%2Bb%40example.com");
    }

    #[test]
    fn exact_method_beats_any_and_a_missing_method_has_no_route() {
        let t = table(None, &[("ANY", "/x"), ("POST", "/x"), ("GET", "/y")]);
        assert_eq!(hit(&t, "POST", "/x").unwrap().1, Some(1));
        assert_eq!(hit(&t, "delete", "/x").unwrap().1, Some(0));
        assert_eq!(hit(&t, "POST", "/y").unwrap().1, None);
        assert_eq!(t.find("GET", "/y").unwrap().methods, vec!["GET"]);
    }

    #[test]
    fn stage_prefix_is_optional() {
        let t = table(Some("prod"), &[("GET", "/"), ("GET", "/items/{id}")]);
        assert_eq!(hit(&t, "GET", "/prod/items/1").unwrap().0, "/items/{id}");
        assert_eq!(t.find("GET", "/prod/items/1").unwrap().path, "/items/1");
        assert_eq!(hit(&t, "GET", "/items/1").unwrap().0, "/items/{id}");
        assert_eq!(hit(&t, "GET", "/prod").unwrap().0, "/");
        assert_eq!(hit(&t, "GET", "/prod/").unwrap().0, "/");
        assert_eq!(hit(&t, "GET", "/").unwrap().0, "/");
        // Only a whole first segment is the stage.
        assert!(t.find("GET", "/production/items/1").is_none());
    }

    #[test]
    fn unknown_paths_find_nothing() {
        let t = table(Some("prod"), &[("GET", "/items/{id}")]);
        assert!(t.find("GET", "/items").is_none());
        assert!(t.find("GET", "/items/1/2").is_none());
        assert!(t.find("GET", "/").is_none());
        assert!(t.find("GET", "/prod").is_none());
        assert!(t.find("GET", "/items//").is_none());
    }

    #[test]
    fn trailing_slash_is_ignored() {
        let t = table(None, &[("GET", "/items")]);
        assert_eq!(t.find("GET", "/items/").unwrap().resource, "/items");
    }

    #[test]
    fn bad_templates_are_refused() {
        for path in ["items", "/a/{p+}/b", "/a/x{p}", "/a//b", "/{}", "/{a b}"] {
            assert!(
                RouteTable::new(None, &[route("GET", path)]).is_err(),
                "{path} accepted"
            );
        }
        assert!(RouteTable::new(None, &[route("GET", "/a"), route("get", "/a")]).is_err());
        assert!(RouteTable::new(None, &[route("G3T", "/a")]).is_err());
    }
}
