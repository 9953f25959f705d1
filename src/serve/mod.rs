//! `luyu serve`: the bureaus' web application over the same computation as the command line.
//!
//! - [`auth`]: accounts (argon2 in the warehouse), sessions, CSRF tokens, roles, the access log;
//! - [`jobs`]: ingests and first computations of a month run in the background with progress;
//! - [`pages`]: the pages — dashboard, file drop, lists behind every figure, a person, reports;
//! - [`web`]: templates (tera, autoescaped), static assets, security headers, downloads.
//!
//! Every figure comes from `run::compute` and the report cache, as `luyu report` uses them:
//! the server has no second implementation of anything it shows.

pub mod auth;
pub mod jobs;
pub mod pages;
pub mod web;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

use crate::dates::Month;
use crate::store::warehouse::Warehouse;

/// The most one upload may carry, all files together.
pub const UPLOAD_BYTES: usize = 256 * 1024 * 1024;
/// The most files one upload may carry.
pub const UPLOAD_FILES: usize = 300;
/// The extensions ingest reads.
pub const UPLOAD_EXTENSIONS: [&str; 6] = ["csv", "txt", "xlsx", "xls", "et", "ods"];

/// One month's full computation, kept for the lists behind the figures.
pub struct Computed {
    pub month: Month,
    /// The manifest it was computed from (bytes' hash): any ingest makes it stale.
    pub manifest: String,
    pub results: crate::run::Results,
}

pub struct State {
    pub dir: PathBuf,
    pub policy: Option<PathBuf>,
    pub auth: auth::Auth,
    pub jobs: jobs::Jobs,
    pub computed: Mutex<Option<Arc<Computed>>>,
    pub web: web::Web,
}

pub type App = Arc<State>;

impl State {
    pub fn warehouse(&self) -> Warehouse {
        Warehouse::open(&self.dir)
    }

    pub fn at(&self, month: Month) -> crate::run::At {
        crate::run::At {
            dir: self.dir.clone(),
            policy: self.policy.clone(),
            as_of: month,
            plan_year: None,
            known_on: None,
        }
    }
}

pub fn router(app: App) -> Router {
    Router::new()
        .route("/", get(pages::home))
        .route("/dashboard", get(pages::dashboard))
        .route("/upload", get(pages::upload_page).post(pages::upload))
        .route("/upload/result/{job}", get(pages::upload_result))
        .route(
            "/upload/result/{job}/rejects.xlsx",
            get(pages::upload_rejects_xlsx),
        )
        .route("/api/jobs/{job}", get(pages::job_status))
        .route("/list/{what}", get(pages::list))
        .route("/person/{token}", get(pages::person))
        .route("/reports", get(pages::reports))
        .route("/reports/file/{name}", get(pages::report_file))
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/static/{name}", get(web::asset))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            auth::guard,
        ))
        .layer(axum::middleware::from_fn(web::headers))
        .layer(DefaultBodyLimit::max(UPLOAD_BYTES))
        .with_state(app)
}

/// Starts the server and serves until the process ends.
pub fn run(dir: PathBuf, policy: Option<PathBuf>, listen: SocketAddr) -> Result<(), crate::Error> {
    let auth = auth::Auth::load(&dir)?;
    if !listen.ip().is_loopback() && !auth.has_accounts() {
        return Err(format!(
            "要在 {listen} 上让其他电脑访问，须先建立账号：luyu user add 姓名 --role 经办（或 查看）--warehouse {}；只给本机使用时请用默认地址 127.0.0.1",
            dir.display()
        )
        .into());
    }
    let app: App = Arc::new(State {
        dir,
        policy,
        auth,
        jobs: jobs::Jobs::default(),
        computed: Mutex::new(None),
        web: web::Web::new()?,
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| {
            format!("无法在 {listen} 上监听（{e}）：端口可能已被占用，可用 --listen 换一个")
        })?;
        let addr = listener.local_addr()?;
        println!("luyu 已启动：请用浏览器打开 http://{addr}/");
        if app.auth.has_accounts() {
            println!("已启用账号登录（{} 个账号）", app.auth.count());
        } else {
            println!("仅本机可访问（未建立账号）");
        }
        use std::io::Write;
        let _ = std::io::stdout().flush();
        axum::serve(listener, router(app))
            .await
            .map_err(crate::Error::other)
    })
}
