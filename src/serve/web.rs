//! Templates, assets and what every response carries.
//!
//! Pages are tera templates in `reports/web/`, autoescaped (a file named `<script>` shows as
//! text). Scripts and styles are luyu's own files under `/static/` — no CDN, nothing from the
//! network — and every response has a strict Content-Security-Policy: scripts only from luyu,
//! no frames, no form posting elsewhere. Styles may be inline (the reports and the charts' SVG
//! carry them); nothing else may.

use axum::extract::{Path, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use tera::{Context, Tera};

use super::auth::User;

const TEMPLATES: [(&str, &str); 9] = [
    ("layout.html", include_str!("../../reports/web/layout.html")),
    (
        "dashboard.html",
        include_str!("../../reports/web/dashboard.html"),
    ),
    (
        "computing.html",
        include_str!("../../reports/web/computing.html"),
    ),
    ("upload.html", include_str!("../../reports/web/upload.html")),
    (
        "upload_result.html",
        include_str!("../../reports/web/upload_result.html"),
    ),
    ("list.html", include_str!("../../reports/web/list.html")),
    ("person.html", include_str!("../../reports/web/person.html")),
    (
        "reports.html",
        include_str!("../../reports/web/reports.html"),
    ),
    ("login.html", include_str!("../../reports/web/login.html")),
];

const APP_JS: &str = include_str!("../../reports/web/static/app.js");
const APP_CSS: &str = include_str!("../../reports/web/static/app.css");
const FONT: &[u8] = include_bytes!("../../reports/fonts/NotoSansSC-Regular.ttf");

pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub struct Web {
    tera: Tera,
}

impl Web {
    pub fn new() -> Result<Web, tera::Error> {
        let mut tera = Tera::new();
        tera.autoescape_on([".html"]);
        // A name in a link's query (`?county={{ c.name | urlencode }}`).
        tera.register_filter("urlencode", |s: &str, _: tera::Kwargs, _: &tera::State| {
            super::pages::urlencode(s)
        });
        for (name, text) in TEMPLATES {
            tera.add_raw_template(name, text)?;
        }
        Ok(Web { tera })
    }

    /// A page: the template with `ctx` (a page's own struct) and who is asking (for the header
    /// and the CSRF token; a page with no user gives its own `csrf`).
    pub fn page(&self, name: &str, ctx: &impl serde::Serialize, user: Option<&User>) -> Response {
        let mut c = match Context::from_serialize(ctx) {
            Ok(c) => c,
            Err(e) => {
                return error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &format!("页面数据有误（{e}）"),
                )
            }
        };
        /// Who is asking, as the header shows them.
        #[derive(serde::Serialize)]
        struct Who<'a> {
            name: &'a str,
            role: &'static str,
            /// Accounts are in use (a logout button makes sense).
            accounts: bool,
            /// May see what is unmasked (经办).
            clerk: bool,
        }
        c.insert(
            "user",
            &user.map(|u| Who {
                name: &u.name,
                role: u.role.chinese(),
                accounts: u.accounts,
                clerk: u.may_unmask(),
            }),
        );
        match user {
            Some(u) => c.insert("csrf", &u.csrf),
            None if !c.contains_key("csrf") => c.insert("csrf", ""),
            None => {}
        }
        match self.tera.render(name, &c) {
            Ok(html) => Html(html).into_response(),
            Err(e) => error(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("页面生成失败（{e}）"),
            ),
        }
    }
}

/// Text made safe for HTML (for the few pages written without a template).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A clear error: a small page for a browser, the same words for scripts (`/api/`) as JSON.
pub fn error(status: StatusCode, message: &str) -> Response {
    let body = format!(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>出错了</title><link rel=\"stylesheet\" href=\"/static/app.css\"></head><body><main><h1>出错了</h1><p class=\"error\" data-status=\"{}\">{}</p><p><a href=\"/\">返回首页</a></p></main></body></html>",
        status.as_u16(),
        escape(message)
    );
    (status, Html(body)).into_response()
}

/// The same error as JSON, for the page's scripts.
pub fn json_error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(serde_json::json!({"error": message}))).into_response()
}

/// A file to download, named in Chinese where it is (RFC 5987).
pub fn download(bytes: Vec<u8>, content_type: &str, name: &str) -> Response {
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"download\"; filename*=UTF-8''{encoded}"
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

/// What every response carries.
pub async fn headers(req: Request, next: Next) -> Response {
    let mut r = next.run(req).await;
    let h = r.headers_mut();
    for (k, v) in [
        ("content-security-policy", CSP),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("x-frame-options", "DENY"),
        ("cache-control", "no-store"),
    ] {
        if let (Ok(k), Ok(v)) = (
            header::HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            h.insert(k, v);
        }
    }
    r
}

pub async fn asset(Path(name): Path<String>) -> Response {
    let (body, kind): (Vec<u8>, &str) = match name.as_str() {
        "app.js" => (APP_JS.as_bytes().to_vec(), "text/javascript; charset=utf-8"),
        "app.css" => (APP_CSS.as_bytes().to_vec(), "text/css; charset=utf-8"),
        "NotoSansSC-Regular.ttf" => (FONT.to_vec(), "font/ttf"),
        _ => return error(StatusCode::NOT_FOUND, "没有这个文件"),
    };
    let mut r = body.into_response();
    if let Ok(v) = HeaderValue::from_str(kind) {
        r.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    r
}
