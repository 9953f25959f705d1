//! Accounts, sessions and CSRF: an office LAN is not a trusted place.
//!
//! - Accounts live in the warehouse (`users.json`): name, role (查看 or 经办) and an argon2 hash
//!   of the password (`luyu user add`). With none, only loopback may listen, and the one clerk
//!   at the machine is 经办 without logging in.
//! - A session is a random token in a cookie (HttpOnly, SameSite=Strict), with its own CSRF
//!   token: every POST carries it (the `X-CSRF-Token` header from the page's scripts, or the
//!   `csrf` field of a form), else it is refused.
//! - 查看 sees masked data only; 经办 may also upload and open one person unmasked. Each upload
//!   and each unmasked view is appended to `access-log.jsonl` in the warehouse (who, when, what).

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::{Form, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};

use super::App;

pub const USERS: &str = "users.json";
pub const ACCESS_LOG: &str = "access-log.jsonl";
const COOKIE: &str = "luyu_session";
const SESSION_HOURS: u64 = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    #[serde(rename = "查看")]
    Viewer,
    #[serde(rename = "经办")]
    Clerk,
}

impl Role {
    pub fn parse(s: &str) -> Result<Role, String> {
        match s {
            "查看" | "viewer" => Ok(Role::Viewer),
            "经办" | "clerk" => Ok(Role::Clerk),
            _ => Err(format!("未知的角色“{s}”：应为“查看”或“经办”")),
        }
    }

    pub fn chinese(self) -> &'static str {
        match self {
            Role::Viewer => "查看",
            Role::Clerk => "经办",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Account {
    pub name: String,
    pub role: Role,
    /// argon2 PHC string.
    pub hash: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Accounts {
    users: Vec<Account>,
}

#[derive(Debug, Clone)]
struct Session {
    user: Option<(String, Role)>,
    csrf: String,
    expires: Instant,
}

/// Who is asking, as the handlers see it.
#[derive(Debug, Clone)]
pub struct User {
    pub name: String,
    pub role: Role,
    pub csrf: String,
    /// Accounts are in use (a logout button makes sense).
    pub accounts: bool,
}

impl User {
    pub fn may_unmask(&self) -> bool {
        self.role == Role::Clerk
    }
}

pub struct Auth {
    dir: PathBuf,
    accounts: Vec<Account>,
    sessions: Mutex<HashMap<String, Session>>,
    log: Mutex<()>,
}

fn token() -> String {
    let mut b = [0u8; 32];
    OsRng.fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn read_accounts(dir: &Path) -> Result<Vec<Account>, String> {
    match std::fs::read(dir.join(USERS)) {
        Ok(b) => serde_json::from_slice::<Accounts>(&b)
            .map(|a| a.users)
            .map_err(|e| format!("账号文件 {USERS} 已损坏（{e}）")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(format!("无法读取账号文件 {USERS}（{e}）")),
    }
}

/// Adds (or replaces the password and role of) an account.
pub fn add_user(dir: &Path, name: &str, role: Role, password: &str) -> Result<(), String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 40 {
        return Err("用户名不能为空，最长 40 个字".into());
    }
    if password.chars().count() < 8 {
        return Err("密码至少 8 位".into());
    }
    let salt = SaltString::generate(&mut OsRng);
    let hash = Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| format!("无法生成密码摘要（{e}）"))?
        .to_string();
    let mut users = read_accounts(dir)?;
    users.retain(|u| u.name != name);
    users.push(Account {
        name: name.to_string(),
        role,
        hash,
    });
    let wh = crate::store::warehouse::Warehouse::open(dir);
    let bytes = serde_json::to_vec_pretty(&Accounts { users }).map_err(|e| e.to_string())?;
    wh.write_atomic(USERS, &bytes).map_err(|e| e.to_string())
}

impl Auth {
    pub fn load(dir: &Path) -> Result<Auth, String> {
        Ok(Auth {
            dir: dir.to_path_buf(),
            accounts: read_accounts(dir)?,
            sessions: Mutex::new(HashMap::new()),
            log: Mutex::new(()),
        })
    }

    pub fn has_accounts(&self) -> bool {
        !self.accounts.is_empty()
    }

    pub fn count(&self) -> usize {
        self.accounts.len()
    }

    fn check(&self, name: &str, password: &str) -> Option<Role> {
        let a = self.accounts.iter().find(|a| a.name == name.trim())?;
        let hash = PasswordHash::new(&a.hash).ok()?;
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .ok()
            .map(|_| a.role)
    }

    fn new_session(&self, user: Option<(String, Role)>) -> (String, Session) {
        let s = Session {
            user,
            csrf: token(),
            expires: Instant::now() + Duration::from_secs(SESSION_HOURS * 3600),
        };
        let t = token();
        if let Ok(mut m) = self.sessions.lock() {
            m.retain(|_, s| s.expires > Instant::now());
            m.insert(t.clone(), s.clone());
        }
        (t, s)
    }

    fn session(&self, t: &str) -> Option<Session> {
        let m = self.sessions.lock().ok()?;
        m.get(t).filter(|s| s.expires > Instant::now()).cloned()
    }

    fn end(&self, t: &str) {
        if let Ok(mut m) = self.sessions.lock() {
            m.remove(t);
        }
    }

    /// Appends one line to the access log: who did what, when.
    pub fn log(&self, user: &User, what: &str) {
        let _guard = self.log.lock();
        let line = serde_json::json!({
            "time": crate::store::known::format(&crate::store::known::now()),
            "user": user.name, "role": user.role.chinese(), "what": what,
        });
        let path = self.dir.join(ACCESS_LOG);
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            let _ = writeln!(f, "{line}");
            let _ = f.sync_data();
        }
    }
}

fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
}

fn set_cookie(t: &str) -> String {
    format!("{COOKIE}={t}; Path=/; HttpOnly; SameSite=Strict")
}

/// Every request but the static assets: a session (made on first sight), the login when
/// accounts are in use, and the CSRF token on every POST.
pub async fn guard(State(app): State<App>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if path.starts_with("/static/") {
        return next.run(req).await;
    }
    let accounts = app.auth.has_accounts();
    let existing =
        cookie_token(req.headers()).and_then(|t| Some((t.clone(), app.auth.session(&t)?)));
    let (token, session, fresh) = match existing {
        Some((t, s)) => (t, s, false),
        None => {
            let user = (!accounts).then(|| ("本机".to_string(), Role::Clerk));
            let (t, s) = app.auth.new_session(user);
            (t, s, true)
        }
    };
    let open = path == "/login";
    if req.method() == Method::POST && path != "/login" && path != "/logout" {
        let sent = req
            .headers()
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if sent != session.csrf {
            // Read what the browser is still sending, so that it gets this answer rather than
            // a connection cut mid-upload.
            let _ = axum::body::to_bytes(req.into_body(), super::UPLOAD_BYTES).await;
            return super::web::error(
                StatusCode::FORBIDDEN,
                "请求缺少有效的安全令牌（CSRF），请刷新页面后重试",
            );
        }
    }
    let mut resp = match (&session.user, open) {
        (Some((name, role)), _) => {
            req.extensions_mut().insert(User {
                name: name.clone(),
                role: *role,
                csrf: session.csrf.clone(),
                accounts,
            });
            next.run(req).await
        }
        (None, true) => {
            req.extensions_mut().insert(LoginCsrf(session.csrf.clone()));
            next.run(req).await
        }
        (None, false) if req.method() == Method::GET && !path.starts_with("/api/") => {
            Redirect::to("/login").into_response()
        }
        (None, false) => {
            let _ = axum::body::to_bytes(req.into_body(), super::UPLOAD_BYTES).await;
            super::web::error(StatusCode::UNAUTHORIZED, "请先登录")
        }
    };
    if fresh {
        if let Ok(v) = set_cookie(&token).parse() {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}

/// The CSRF token of a session not logged in (for the login form).
#[derive(Clone)]
pub struct LoginCsrf(pub String);

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

pub async fn login_page(State(app): State<App>, req: Request) -> Response {
    let csrf = req
        .extensions()
        .get::<LoginCsrf>()
        .map(|c| c.0.clone())
        .or_else(|| req.extensions().get::<User>().map(|u| u.csrf.clone()))
        .unwrap_or_default();
    if !app.auth.has_accounts() {
        return Redirect::to("/").into_response();
    }
    app.web.page(
        "login.html",
        &LoginPage {
            csrf: &csrf,
            error: "",
        },
        None,
    )
}

/// The login page: its form's CSRF token (no session yet) and what went wrong, if anything.
#[derive(serde::Serialize)]
struct LoginPage<'a> {
    csrf: &'a str,
    error: &'a str,
}

pub async fn login(
    State(app): State<App>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let Some(t) = cookie_token(&headers) else {
        return super::web::error(StatusCode::FORBIDDEN, "请先打开登录页面");
    };
    let Some(s) = app.auth.session(&t) else {
        return Redirect::to("/login").into_response();
    };
    if f.csrf != s.csrf {
        return super::web::error(
            StatusCode::FORBIDDEN,
            "请求缺少有效的安全令牌（CSRF），请刷新页面后重试",
        );
    }
    let name = f.name.trim().to_string();
    let app2 = app.clone();
    let password = f.password.clone();
    let n = name.clone();
    let role = tokio::task::spawn_blocking(move || app2.auth.check(&n, &password))
        .await
        .ok()
        .flatten();
    let Some(role) = role else {
        let mut r = app.web.page(
            "login.html",
            &LoginPage {
                csrf: &s.csrf,
                error: "用户名或密码不正确",
            },
            None,
        );
        *r.status_mut() = StatusCode::UNAUTHORIZED;
        return r;
    };
    // A new session on login: the token seen before it is worth nothing after.
    app.auth.end(&t);
    let (nt, _) = app.auth.new_session(Some((name, role)));
    let mut r = Redirect::to("/").into_response();
    if let Ok(v) = set_cookie(&nt).parse() {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(
    State(app): State<App>,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(t) = cookie_token(&headers) {
        match app.auth.session(&t) {
            Some(s) if s.csrf == f.csrf => app.auth.end(&t),
            _ => {
                return super::web::error(
                    StatusCode::FORBIDDEN,
                    "请求缺少有效的安全令牌（CSRF），请刷新页面后重试",
                )
            }
        }
    }
    let mut r = Redirect::to("/login").into_response();
    if let Ok(v) = format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0").parse() {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}
