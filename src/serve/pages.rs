//! The pages. Each reads what `luyu report` and the other commands compute — the report cache
//! for the dashboard and the reports, one month's `run::compute` for the lists behind the
//! figures — and lays it out; nothing here computes a figure of its own.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::auth::User;
use super::web::{download, error, json_error};
use super::{App, Computed};
use crate::dates::Month;
use crate::ids::{looks_like_id, mask_id, mask_name};
use crate::ingest::tables::ALL;
use crate::render::report::{Kind, LIST_CAP};
use crate::rules::summary::Summary;
use crate::store::cache::{Cache, Inputs};

const PER_PAGE: usize = 50;
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[derive(Deserialize, Default)]
pub struct AsOf {
    pub as_of: Option<String>,
}

/// The months the warehouse has exports for, first to last.
fn months(app: &App) -> Vec<Month> {
    app.warehouse()
        .manifest()
        .map(|m| m.months(&ALL))
        .unwrap_or_default()
}

/// The month asked for, else the latest with data; a bad request for a month that is not one.
fn month_of(app: &App, q: &AsOf) -> Result<Option<Month>, Bad> {
    match q.as_of.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => s.parse::<Month>().map(Some).map_err(Bad),
        None => Ok(months(app).last().copied()),
    }
}

/// The month a page is for; else the answer: the file drop for an empty warehouse, a bad
/// request for a month that is not one.
fn month_or_upload(app: &App, q: &AsOf) -> Result<Month, Box<Response>> {
    match month_of(app, q) {
        Ok(Some(m)) => Ok(m),
        Ok(None) => Err(Box::new(Redirect::to("/upload").into_response())),
        Err(bad) => Err(Box::new(bad.into_response())),
    }
}

/// A bad request's message (its page is made where it is answered).
struct Bad(String);

impl IntoResponse for Bad {
    fn into_response(self) -> Response {
        error(StatusCode::BAD_REQUEST, &self.0)
    }
}

pub async fn home(State(app): State<App>) -> Response {
    match months(&app).last() {
        Some(m) => Redirect::to(&format!("/dashboard?as_of={m}")).into_response(),
        None => Redirect::to("/upload").into_response(),
    }
}

pub async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "没有这个页面")
}

/// The prepared report of a kind from the report cache, if the month has been computed.
fn prepared(
    app: &App,
    month: Month,
    kind: Kind,
) -> Option<(crate::render::report::Prepared, Summary)> {
    let wh = app.warehouse();
    let cache = Cache::new(
        &wh,
        &Inputs {
            policy: app.policy.as_deref(),
            as_of: month,
            plan_year: None,
            list_cap: LIST_CAP,
            known_on: None,
        },
    )
    .ok()?;
    crate::run::reports::cached(&cache, kind)
}

fn computing_page(app: &App, user: &User, month: Month, back: &str) -> Response {
    progress_page(
        app,
        user,
        month,
        super::jobs::start_compute(app, month),
        back,
    )
}

/// The page that shows a month's background job and returns to `back` when it is done.
fn progress_page(app: &App, user: &User, month: Month, id: u64, back: &str) -> Response {
    #[derive(Serialize)]
    struct Computing<'a> {
        job: u64,
        as_of: String,
        back: &'a str,
        months: Vec<MonthOption>,
    }
    app.web.page(
        "computing.html",
        &Computing {
            job: id,
            as_of: month.to_string(),
            back,
            months: month_list(app, month),
        },
        Some(user),
    )
}

/// A month in the pages' month picker.
#[derive(Serialize)]
struct MonthOption {
    value: String,
    selected: bool,
}

/// The months to pick from, latest first, `current` selected.
fn month_list(app: &App, current: Month) -> Vec<MonthOption> {
    months(app)
        .into_iter()
        .rev()
        .map(|m| MonthOption {
            value: m.to_string(),
            selected: m == current,
        })
        .collect()
}

/// The completeness grid: a row per table and region, a cell per month.
#[derive(Serialize)]
struct Completeness {
    /// The months' headings (e.g. 3月).
    months: Vec<String>,
    rows: Vec<CompletenessRow>,
}

#[derive(Serialize)]
struct CompletenessRow {
    table: &'static str,
    region: &'static str,
    cells: Vec<Received>,
    /// Months received of the months there are (e.g. 11/12), or — with none.
    rate: String,
}

/// A month's export of a table and region: `state` (its CSS class) and `label` (what the cell
/// shows), and the current file's name.
#[derive(Serialize)]
struct Received {
    state: &'static str,
    label: &'static str,
    file: String,
}

/// The completeness grid: per table and region, each month received, corrected, flagged for
/// re-export or missing (DHIS2's reporting-rate view). `None` when the manifest cannot be
/// read.
fn completeness(app: &App) -> Option<Completeness> {
    let m = app.warehouse().manifest().ok()?;
    let months = m.months(&ALL);
    let mut rows = Vec::new();
    for t in ALL {
        for r in t.regions() {
            let cells: Vec<Received> = months
                .iter()
                .map(|month| {
                    let all: Vec<_> = m
                        .exports
                        .iter()
                        .filter(|e| e.table == t && e.region == *r && e.month == *month)
                        .collect();
                    let current = all.iter().find(|e| e.is_current());
                    let (state, label) = match current {
                        None => ("missing", "缺"),
                        Some(e) if e.reexport.is_some() => ("flagged", "⚠"),
                        Some(_) if all.len() > 1 => ("corrected", "更正"),
                        Some(_) => ("received", "✓"),
                    };
                    Received {
                        state,
                        label,
                        file: current.map(|e| e.file_name.clone()).unwrap_or_default(),
                    }
                })
                .collect();
            let received = cells.iter().filter(|c| c.state != "missing").count();
            let rate = if months.is_empty() {
                "—".into()
            } else {
                format!("{}/{}", received, months.len())
            };
            rows.push(CompletenessRow {
                table: t.chinese(),
                region: r.chinese(),
                cells,
                rate,
            });
        }
    }
    Some(Completeness {
        months: months.iter().map(|m| format!("{}月", m.month)).collect(),
        rows,
    })
}

pub async fn dashboard(
    State(app): State<App>,
    Extension(user): Extension<User>,
    Query(q): Query<AsOf>,
) -> Response {
    let month = match month_or_upload(&app, &q) {
        Ok(m) => m,
        Err(r) => return *r,
    };
    let app2 = app.clone();
    let cached = tokio::task::spawn_blocking(move || prepared(&app2, month, Kind::Briefing))
        .await
        .ok()
        .flatten();
    let Some((p, summary)) = cached else {
        return computing_page(&app, &user, month, &format!("/dashboard?as_of={month}"));
    };
    let mut charts = BTreeMap::new();
    for (name, title, chart) in &p.charts {
        if let Ok(svg) = crate::render::charts::svg(chart, title) {
            charts.insert(name.clone(), svg);
        }
    }
    // The month's briefing as computed, with what only this page shows beside it (names in
    // links are encoded by the templates' `urlencode`).
    #[derive(Serialize)]
    struct Dashboard<'a> {
        #[serde(flatten)]
        briefing: &'a Value,
        as_of: String,
        months: Vec<MonthOption>,
        error_count: usize,
        notice_count: usize,
        charts: BTreeMap<String, String>,
        completeness: Option<Completeness>,
    }
    let page = Dashboard {
        briefing: &p.context,
        as_of: month.to_string(),
        months: month_list(&app, month),
        error_count: summary.findings.errors,
        notice_count: summary.findings.notices,
        charts,
        completeness: completeness(&app),
    };
    app.web.page("dashboard.html", &page, Some(&user))
}

pub async fn upload_page(State(app): State<App>, Extension(user): Extension<User>) -> Response {
    let latest = months(&app).last().copied();
    /// The file drop, with its limits.
    #[derive(Serialize)]
    struct Upload {
        /// No month has data yet.
        empty: bool,
        as_of: String,
        months: Vec<MonthOption>,
        limit_mb: usize,
        limit_files: usize,
        extensions: String,
    }
    app.web.page(
        "upload.html",
        &Upload {
            empty: latest.is_none(),
            as_of: latest.map(|m| m.to_string()).unwrap_or_default(),
            months: latest.map(|m| month_list(&app, m)).unwrap_or_default(),
            limit_mb: super::UPLOAD_BYTES / 1024 / 1024,
            limit_files: super::UPLOAD_FILES,
            extensions: super::UPLOAD_EXTENSIONS.join("、"),
        },
        Some(&user),
    )
}

/// The files of a drop: stored by their content's hash (no name from the client is a path),
/// then ingested in the background.
pub async fn upload(
    State(app): State<App>,
    Extension(user): Extension<User>,
    mut form: Multipart,
) -> Response {
    if !user.may_unmask() {
        drain(&mut form).await;
        return json_error(
            StatusCode::FORBIDDEN,
            "“查看”账号不能上传报表，请用“经办”账号",
        );
    }
    if app.jobs.ingesting() {
        drain(&mut form).await;
        return json_error(
            StatusCode::CONFLICT,
            "另一批报表正在导入，请等它完成后再上传",
        );
    }
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut refused: Vec<String> = Vec::new();
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                return json_error(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    &format!(
                        "上传没有完成（{}）：一次最多 {} MB、{} 个文件",
                        e.body_text(),
                        super::UPLOAD_BYTES / 1024 / 1024,
                        super::UPLOAD_FILES
                    ),
                )
            }
        };
        let Some(name) = field.file_name().map(|n| n.to_string()) else {
            continue;
        };
        // A folder's files may come with their relative path: the name is its last part.
        let name = name
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        let ext = name
            .rsplit_once('.')
            .map(|(_, e)| e.to_lowercase())
            .unwrap_or_default();
        let bytes = match field.bytes().await {
            Ok(b) => b,
            Err(e) => {
                return json_error(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    &format!(
                        "上传没有完成（{}）：一次最多 {} MB",
                        e.body_text(),
                        super::UPLOAD_BYTES / 1024 / 1024
                    ),
                )
            }
        };
        if name.is_empty() || name.starts_with('.') || name.starts_with("~$") {
            continue;
        }
        if !super::UPLOAD_EXTENSIONS.contains(&ext.as_str()) {
            refused.push(format!(
                "{name}：不是报表文件（只接收 {}）",
                super::UPLOAD_EXTENSIONS.join("、")
            ));
            continue;
        }
        if files.len() >= super::UPLOAD_FILES {
            return json_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!("一次最多上传 {} 个文件", super::UPLOAD_FILES),
            );
        }
        files.push((name, bytes.to_vec()));
    }
    if files.is_empty() {
        let why = if refused.is_empty() {
            "没有收到文件".to_string()
        } else {
            refused.join("；")
        };
        return json_error(StatusCode::BAD_REQUEST, &why);
    }
    let wh = app.warehouse();
    let mut stored = Vec::new();
    for (name, bytes) in files {
        let hash = crate::store::warehouse::sha256_hex(&bytes);
        let ext = name
            .rsplit_once('.')
            .map(|(_, e)| e.to_lowercase())
            .unwrap_or_default();
        let rel = format!("incoming/{hash}.{ext}");
        if let Err(e) = wh.write_atomic(&rel, &bytes) {
            return json_error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string());
        }
        stored.push((wh.path(&rel), name));
    }
    match super::jobs::start_ingest(&app, stored, user) {
        Some(job) => Json(json!({"job": job, "refused": refused})).into_response(),
        None => json_error(
            StatusCode::CONFLICT,
            "另一批报表正在导入，请等它完成后再上传",
        ),
    }
}

/// Reads what the browser is still sending before refusing it, so that it gets the answer
/// rather than a connection cut mid-upload.
async fn drain(form: &mut Multipart) {
    while let Ok(Some(mut field)) = form.next_field().await {
        while let Ok(Some(_)) = field.chunk().await {}
    }
}

pub async fn job_status(State(app): State<App>, Path(job): Path<String>) -> Response {
    match job.parse::<u64>().ok().and_then(|id| app.jobs.status(id)) {
        Some(s) => Json(s).into_response(),
        None => json_error(StatusCode::NOT_FOUND, "没有这个任务"),
    }
}

fn ingest_of(app: &App, job: &str) -> Option<super::jobs::IngestResult> {
    job.parse::<u64>()
        .ok()
        .and_then(|id| app.jobs.ingest_result(id))
}

fn no_result() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "没有这次导入的结果（服务重启后不再保留）",
    )
}

pub async fn upload_result(
    State(app): State<App>,
    Extension(user): Extension<User>,
    Path(job): Path<String>,
) -> Response {
    let Some(r) = ingest_of(&app, &job) else {
        return no_result();
    };
    let latest = months(&app)
        .last()
        .map(|m| m.to_string())
        .unwrap_or_default();
    /// A rejected cell as the user may see it.
    #[derive(Serialize)]
    struct Rejected<'a> {
        file: &'a str,
        row: usize,
        column: &'a str,
        value: String,
        reason: String,
    }
    /// A drop's result: the ingest's own, and its first rejected cells as the user may see them.
    #[derive(Serialize)]
    struct UploadResult<'a> {
        job: &'a str,
        r: &'a super::jobs::IngestResult,
        rejects: Vec<Rejected<'a>>,
        rejects_total: usize,
        as_of: String,
    }
    let rejects = r
        .rejects
        .iter()
        .take(LIST_CAP)
        .map(|x| {
            let (value, reason) = masked_reject(&x.column, &x.value, &x.reason, &user);
            Rejected {
                file: &x.file,
                row: x.row,
                column: &x.column,
                value,
                reason,
            }
        })
        .collect();
    app.web.page(
        "upload_result.html",
        &UploadResult {
            job: &job,
            r: &r,
            rejects,
            rejects_total: r.rejects.len(),
            as_of: latest,
        },
        Some(&user),
    )
}

/// A rejected cell as the user may see it: an ID masked for 查看.
fn masked_reject(column: &str, value: &str, reason: &str, user: &User) -> (String, String) {
    if !user.may_unmask() && (column.contains("身份证") || column.contains("证件号码")) {
        let m = mask_id(value);
        (m.clone(), reason.replace(value, &m))
    } else {
        (value.to_string(), reason.to_string())
    }
}

pub async fn upload_rejects_xlsx(
    State(app): State<App>,
    Extension(user): Extension<User>,
    Path(job): Path<String>,
) -> Response {
    let Some(r) = ingest_of(&app, &job) else {
        return no_result();
    };
    let rows: Vec<Vec<String>> = r
        .rejects
        .iter()
        .map(|x| {
            let (value, reason) = masked_reject(&x.column, &x.value, &x.reason, &user);
            vec![
                x.file.clone(),
                x.row.to_string(),
                x.column.clone(),
                value,
                reason,
            ]
        })
        .collect();
    match xlsx("拒收明细", &["文件", "行", "列", "值", "原因"], &rows) {
        Ok(b) => download(b, XLSX, "拒收明细.xlsx"),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, &e),
    }
}

/// A one-sheet workbook, every cell neutralised.
fn xlsx(sheet_name: &str, header: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, String> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let e = |x: rust_xlsxwriter::XlsxError| x.to_string();
    sheet.set_name(sheet_name).map_err(e)?;
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).map_err(e)?;
    }
    for (i, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            sheet
                .write_string(
                    i as u32 + 1,
                    c as u16,
                    crate::render::workbook::neutralise(v),
                )
                .map_err(e)?;
        }
    }
    sheet.autofit();
    book.save_to_buffer().map_err(e)
}

/// The month's full results (for the lists and a person) if they are in memory and the data
/// is unchanged; else the page that computes them in the background and comes back to `back`.
fn results(
    app: &App,
    user: &User,
    month: Month,
    back: &Uri,
) -> Result<Arc<Computed>, Box<Response>> {
    let manifest = std::fs::read(app.warehouse().manifest_path())
        .map(|b| crate::store::warehouse::sha256_hex(&b))
        .map_err(|e| {
            Box::new(error(
                StatusCode::NOT_FOUND,
                &format!("仓库还没有数据（{e}）"),
            ))
        })?;
    if let Ok(c) = app.computed.lock() {
        if let Some(c) = c
            .as_ref()
            .filter(|c| c.month == month && c.manifest == manifest)
        {
            return Ok(c.clone());
        }
    }
    let back = back
        .path_and_query()
        .map_or("/".to_string(), |p| p.to_string());
    let id = super::jobs::start_results(app, month, manifest, back.clone());
    Err(Box::new(progress_page(app, user, month, id, &back)))
}

/// The last list built, sorted, by everything it was built from.
static LAST_LIST: std::sync::Mutex<Option<(String, Arc<Listing>)>> = std::sync::Mutex::new(None);

/// A list built and sorted by column `col` (amounts and counts as exact numbers).
fn sorted_list(
    c: &Computed,
    what: &str,
    q: &ListQuery,
    col: usize,
    desc: bool,
) -> Result<Listing, String> {
    let mut t = match what {
        "persons" => persons_list(c, q),
        "payments" => payments_list(c, q),
        _ => findings_list(c, q),
    }?;
    let col = col.min(t.header.len().saturating_sub(1));
    let number = |s: &str| rust_decimal::Decimal::from_str_exact(&s.replace(',', "")).ok();
    let mut order: Vec<usize> = (0..t.rows.len()).collect();
    order.sort_by(|a, b| {
        let (x, y) = (&t.rows[*a][col], &t.rows[*b][col]);
        let o = match (number(x), number(y)) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => x.cmp(y),
        };
        if desc {
            o.reverse()
        } else {
            o
        }
    });
    t.rows = order.iter().map(|i| t.rows[*i].clone()).collect();
    t.links = order.iter().map(|i| t.links[*i].clone()).collect();
    Ok(t)
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    as_of: Option<String>,
    indicator: Option<String>,
    item: Option<String>,
    rule: Option<String>,
    township: Option<String>,
    county: Option<String>,
    sort: Option<usize>,
    desc: Option<u8>,
    page: Option<usize>,
}

/// A person's handle in links: no ID in any URL.
pub fn token(id: &str) -> String {
    crate::store::warehouse::sha256_hex(id.as_bytes())[..16].to_string()
}

struct Listing {
    title: String,
    header: Vec<&'static str>,
    rows: Vec<Vec<String>>,
    /// Per row, the person's token (a link to their page), if any.
    links: Vec<Option<String>>,
}

fn persons_list(c: &Computed, q: &ListQuery) -> Result<Listing, String> {
    let p = &c.results.progress;
    let key = q.indicator.as_deref().unwrap_or("helped");
    let ids = match key {
        "helped" => p.helped_ids(),
        "transferred" => p.transferred_ids.clone(),
        "local" => p.local_ids.clone(),
        "trained" => p.trained_ids.clone(),
        other => return Err(format!("没有这个指标“{other}”")),
    };
    let name = p
        .targets
        .iter()
        .find(|t| t.key == key)
        .map_or(key, |t| t.name);
    let mut t = Listing {
        title: format!("{name}：截至 {} 计入的人员", c.month),
        header: vec!["身份证号", "姓名", "乡镇（街道）", "就业县（市、区）"],
        rows: Vec::new(),
        links: Vec::new(),
    };
    for id in ids.iter() {
        let person = c.results.facts.person(id);
        let name = person
            .and_then(|p| p.names.first())
            .map(|n| mask_name(n))
            .unwrap_or_default();
        let township = person
            .and_then(|p| p.township.as_ref())
            .map(|t| t.to_string())
            .unwrap_or_default();
        let county = person
            .and_then(|p| {
                p.spells
                    .iter()
                    .map(|s| s.county.to_string())
                    .find(|c| !c.is_empty())
            })
            .unwrap_or_default();
        if q.township.as_deref().is_some_and(|w| w != township)
            || q.county.as_deref().is_some_and(|w| w != county)
        {
            continue;
        }
        t.rows.push(vec![mask_id(id), name, township, county]);
        t.links.push(Some(token(id)));
    }
    if let Some(w) = q.township.as_deref().or(q.county.as_deref()) {
        t.title = format!("{}（{w}）", t.title);
    }
    Ok(t)
}

fn payments_list(c: &Computed, q: &ListQuery) -> Result<Listing, String> {
    let rows = c.results.audit.payment_rows().map_err(|e| e.to_string())?;
    let item = q.item.as_deref().unwrap_or("");
    let mut t = Listing {
        title: if item.is_empty() {
            format!("截至 {} 的全部补贴发放", c.month)
        } else {
            format!("{item}：截至 {} 的发放", c.month)
        },
        header: vec![
            "凭证号",
            "发放地区",
            "资金来源",
            "补贴项目",
            "对象",
            "名称",
            "金额（元）",
            "发放日期",
            "报表月份",
        ],
        rows: Vec::new(),
        links: Vec::new(),
    };
    for i in 0..rows.len() {
        let p = rows.get(i);
        if !item.is_empty() && p.item != item {
            continue;
        }
        let person = p.payee_type == "个人" || looks_like_id(p.payee_id);
        t.rows.push(vec![
            p.voucher.to_string(),
            p.region.to_string(),
            p.pool.to_string(),
            p.item.to_string(),
            if looks_like_id(p.payee_id) {
                mask_id(p.payee_id)
            } else {
                p.payee_id.to_string()
            },
            if person {
                mask_name(p.payee_name)
            } else {
                p.payee_name.to_string()
            },
            crate::money::yuan(p.amount()),
            p.pay_date.map(|d| d.to_string()).unwrap_or_default(),
            p.export_month.to_string(),
        ]);
        let who = p.person();
        t.links.push(looks_like_id(who).then(|| token(who)));
    }
    Ok(t)
}

fn findings_list(c: &Computed, q: &ListQuery) -> Result<Listing, String> {
    let rule = q.rule.as_deref().unwrap_or("");
    let mut t = Listing {
        title: if rule.is_empty() {
            format!("截至 {} 的全部问题", c.month)
        } else {
            format!(
                "{}：截至 {} 的问题",
                crate::rules::findings::rule_name(rule, &c.results.policy),
                c.month
            )
        },
        header: vec![
            "问题编号",
            "严重程度",
            "问题类型",
            "责任单位",
            "对象",
            "名称",
            "补贴项目",
            "已发（元）",
            "说明",
        ],
        rows: Vec::new(),
        links: Vec::new(),
    };
    for f in crate::rules::findings::listing_order(&c.results.audit.findings) {
        if !rule.is_empty() && f.rule.code() != rule {
            continue;
        }
        t.rows.push(vec![
            f.id.clone(),
            f.severity.to_string(),
            f.rule.name(&c.results.policy).into_owned(),
            f.unit.clone(),
            f.payee.clone(),
            f.payee_name.clone(),
            f.item.clone(),
            f.paid.map(crate::money::yuan).unwrap_or_default(),
            f.message.clone(),
        ]);
        t.links
            .push(looks_like_id(&f.payee_key).then(|| token(&f.payee_key)));
    }
    Ok(t)
}

pub async fn list(
    State(app): State<App>,
    Extension(user): Extension<User>,
    Path(what): Path<String>,
    Query(q): Query<ListQuery>,
    uri: Uri,
) -> Response {
    let page_asked = q.page;
    let filters = [
        ("indicator", q.indicator.clone()),
        ("item", q.item.clone()),
        ("rule", q.rule.clone()),
        ("township", q.township.clone()),
        ("county", q.county.clone()),
    ];
    let (what, as_xlsx) = match what.strip_suffix(".xlsx") {
        Some(w) => (w.to_string(), true),
        None => (what, false),
    };
    if !["persons", "payments", "findings"].contains(&what.as_str()) {
        return error(StatusCode::NOT_FOUND, "没有这种清单");
    }
    let asked = AsOf {
        as_of: q.as_of.clone(),
    };
    let month = match month_or_upload(&app, &asked) {
        Ok(m) => m,
        Err(r) => return *r,
    };
    let c = match results(&app, &user, month, &uri) {
        Ok(c) => c,
        Err(page) => return *page,
    };
    let col = q.sort.unwrap_or(0);
    let desc = q.desc.unwrap_or(0) == 1;
    let t = match listing(c, month, &what, q, col, desc).await {
        Ok(t) => t,
        Err(page) => return *page,
    };
    let col = col.min(t.header.len().saturating_sub(1));
    if as_xlsx {
        return match xlsx("清单", &t.header, &t.rows) {
            Ok(b) => download(
                b,
                XLSX,
                &format!("{}.xlsx", t.title.split('：').next().unwrap_or("清单")),
            ),
            Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, &e),
        };
    }
    let total = t.rows.len();
    let pages = total.div_ceil(PER_PAGE).max(1);
    let page = page_asked.unwrap_or(1).clamp(1, pages);
    let start = (page - 1) * PER_PAGE;
    let rows: Vec<Row> = t.rows[start.min(total)..(start + PER_PAGE).min(total)]
        .iter()
        .zip(&t.links[start.min(total)..(start + PER_PAGE).min(total)])
        .map(|(cells, link)| Row { cells, link })
        .collect();
    // The query without sort and page, for the header and pager links.
    let mut base = vec![format!("as_of={month}")];
    for (k, v) in &filters {
        if let Some(v) = v {
            base.push(format!("{k}={}", urlencode(v)));
        }
    }
    let base = base.join("&");
    app.web.page(
        "list.html",
        &ListPage {
            title: &t.title,
            header: &t.header,
            rows,
            total,
            page,
            pages,
            sort: col,
            desc,
            what: &what,
            base,
            as_of: month.to_string(),
            months: month_list(&app, month),
            prev: (page > 1).then(|| page - 1),
            next: (page < pages).then(|| page + 1),
        },
        Some(&user),
    )
}

/// A row of a list, with its person's page if it has one.
#[derive(Serialize)]
struct Row<'a> {
    cells: &'a [String],
    link: &'a Option<String>,
}

/// A page of a list, sorted by column `sort` (descending when `desc`).
#[derive(Serialize)]
struct ListPage<'a> {
    title: &'a str,
    header: &'a [&'static str],
    rows: Vec<Row<'a>>,
    total: usize,
    page: usize,
    pages: usize,
    sort: usize,
    desc: bool,
    what: &'a str,
    /// The query without sort and page, for the header and pager links.
    base: String,
    as_of: String,
    months: Vec<MonthOption>,
    prev: Option<usize>,
    next: Option<usize>,
}

/// The list asked for, sorted: the one kept from the last request when it is the same (at a
/// million persons it is built in a second, and its pages are asked one after the other),
/// else built on a blocking thread and kept. An error is its page.
async fn listing(
    c: Arc<Computed>,
    month: Month,
    what: &str,
    q: ListQuery,
    col: usize,
    desc: bool,
) -> Result<Arc<Listing>, Box<Response>> {
    let key = format!(
        "{}|{month}|{what}|{:?}|{:?}|{:?}|{:?}|{:?}|{col}|{desc}",
        c.manifest, q.indicator, q.item, q.rule, q.township, q.county
    );
    let kept = LAST_LIST.lock().ok().and_then(|l| {
        l.as_ref()
            .filter(|(k, _)| *k == key)
            .map(|(_, t)| t.clone())
    });
    if let Some(t) = kept {
        return Ok(t);
    }
    let what = what.to_string();
    let built = tokio::task::spawn_blocking(move || sorted_list(&c, &what, &q, col, desc)).await;
    match built {
        Ok(Ok(t)) => {
            let t = Arc::new(t);
            if let Ok(mut l) = LAST_LIST.lock() {
                *l = Some((key, t.clone()));
            }
            Ok(t)
        }
        Ok(Err(e)) => Err(Box::new(error(StatusCode::BAD_REQUEST, &e))),
        Err(e) => Err(Box::new(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &e.to_string(),
        ))),
    }
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

pub async fn person(
    State(app): State<App>,
    Extension(user): Extension<User>,
    Path(token): Path<String>,
    Query(q): Query<AsOf>,
    uri: Uri,
) -> Response {
    if !user.may_unmask() {
        return error(
            StatusCode::FORBIDDEN,
            "“查看”账号只能看脱敏数据；个人详情须用“经办”账号查看",
        );
    }
    let month = match month_or_upload(&app, &q) {
        Ok(m) => m,
        Err(r) => return *r,
    };
    let c = match results(&app, &user, month, &uri) {
        Ok(c) => c,
        Err(page) => return *page,
    };
    let Some(id) = c
        .results
        .facts
        .persons
        .iter()
        .map(|(id, _)| id.to_string())
        .find(|id| self::token(id) == token)
    else {
        return error(
            StatusCode::NOT_FOUND,
            "没有这个人（链接可能来自另一份数据）",
        );
    };
    let at = app.at(month);
    let story = match crate::run::explain::story(&at, &id, &c.results) {
        Ok(s) => s,
        Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    };
    app.auth.log(
        &user,
        &format!("查看未脱敏个人详情 {}（截至 {month}）", mask_id(&id)),
    );
    /// A person's story as `luyu explain` tells it, under their masked ID.
    #[derive(Serialize)]
    struct PersonPage {
        story: String,
        masked: String,
        as_of: String,
        months: Vec<MonthOption>,
    }
    app.web.page(
        "person.html",
        &PersonPage {
            story,
            masked: mask_id(&id),
            as_of: month.to_string(),
            months: month_list(&app, month),
        },
        Some(&user),
    )
}

pub async fn reports(
    State(app): State<App>,
    Extension(user): Extension<User>,
    Query(q): Query<AsOf>,
) -> Response {
    let month = match month_or_upload(&app, &q) {
        Ok(m) => m,
        Err(r) => return *r,
    };
    let app2 = app.clone();
    let ready = tokio::task::spawn_blocking(move || {
        Kind::ALL
            .iter()
            .all(|k| prepared(&app2, month, *k).is_some())
    })
    .await
    .unwrap_or(false);
    if !ready {
        return computing_page(&app, &user, month, &format!("/reports?as_of={month}"));
    }
    /// A report to open or download: its code (in links) and title.
    #[derive(Serialize)]
    struct KindLink {
        code: &'static str,
        title: &'static str,
    }
    #[derive(Serialize)]
    struct ReportsPage {
        as_of: String,
        months: Vec<MonthOption>,
        kinds: Vec<KindLink>,
    }
    app.web.page(
        "reports.html",
        &ReportsPage {
            as_of: month.to_string(),
            months: month_list(&app, month),
            kinds: Kind::ALL
                .iter()
                .map(|k| KindLink {
                    code: k.code(),
                    title: k.title(),
                })
                .collect(),
        },
        Some(&user),
    )
}

/// A report's files, rendered from the cache into a folder of their own.
fn render(
    app: &App,
    month: Month,
    kind: Kind,
    format: crate::render::report::Format,
) -> Result<std::path::PathBuf, String> {
    let (p, _) = prepared(app, month, kind).ok_or("这个月份尚未核算，请先打开报告页面")?;
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "luyu-serve-{}-{}",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    ));
    crate::render::report::write(&p, kind, &[format], &dir, None).map_err(|e| e.to_string())?;
    Ok(dir)
}

#[derive(Deserialize, Default)]
pub struct Dl {
    download: Option<u8>,
}

pub async fn report_file(
    State(app): State<App>,
    Extension(user): Extension<User>,
    Path(name): Path<String>,
    Query(dl): Query<Dl>,
    uri: Uri,
) -> Response {
    // `briefing-2020-06.html`, `briefing-2020-06.md.zip`, `summary-2020-06.json`,
    // `findings-2020-06.xlsx`: nothing of the name but these parts is used.
    let Some((stem, ext)) = name.split_once('.') else {
        return error(StatusCode::NOT_FOUND, "没有这个文件");
    };
    let Some((what, month)) = stem.split_once('-') else {
        return error(StatusCode::NOT_FOUND, "没有这个文件");
    };
    let Ok(month) = month.parse::<Month>() else {
        return error(StatusCode::NOT_FOUND, "没有这个文件");
    };
    // The findings workbook is of the month's full results: computed in the background first.
    let full = if what == "findings" && ext == "xlsx" {
        match results(&app, &user, month, &uri) {
            Ok(c) => Some(c),
            Err(page) => return *page,
        }
    } else {
        None
    };
    let app2 = app.clone();
    let what = what.to_string();
    let ext = ext.to_string();
    let result = tokio::task::spawn_blocking(move || -> Result<Response, String> {
        let kind = Kind::ALL.into_iter().find(|k| k.code() == what);
        match (kind, ext.as_str()) {
            (Some(kind), "html") => {
                let dir = render(&app2, month, kind, crate::render::report::Format::Html)?;
                let file = dir.join(format!("{}-{month}.html", kind.code()));
                let html = std::fs::read(&file).map_err(|e| e.to_string());
                let _ = std::fs::remove_dir_all(&dir);
                let html = html?;
                Ok(if dl.download == Some(1) {
                    download(
                        html,
                        "text/html; charset=utf-8",
                        &format!("{}-{month}.html", kind.title()),
                    )
                } else {
                    axum::response::Html(html).into_response()
                })
            }
            (Some(kind), "md.zip") => {
                let dir = render(&app2, month, kind, crate::render::report::Format::Md)?;
                let zipped = zip_dir(&dir);
                let _ = std::fs::remove_dir_all(&dir);
                Ok(download(
                    zipped?,
                    "application/zip",
                    &format!("{}-{month}.zip", kind.title()),
                ))
            }
            (None, "json") if what == "summary" => {
                let (_, summary) = prepared(&app2, month, Kind::Briefing)
                    .ok_or("这个月份尚未核算，请先打开报告页面")?;
                let bytes = summary.to_bytes().map_err(|e| e.to_string())?;
                Ok(download(
                    bytes,
                    "application/json",
                    &format!("summary-{month}.json"),
                ))
            }
            (None, "xlsx") if what == "findings" => {
                let Some(c) = full else {
                    return Err("没有这个文件".into());
                };
                let r = &c.results;
                let wh = app2.warehouse();
                let f = crate::rules::followup::build(
                    &wh,
                    &crate::rules::followup::Params {
                        policy: app2.policy.as_deref(),
                        in_force: &r.policy,
                        plan_year: None,
                        compute: &crate::run::findings_under(&r.policy),
                    },
                    month,
                    &r.audit.findings,
                )
                .map_err(|e| e.to_string())?;
                let bytes = crate::render::workbook::workbook(r, &f, month, false)
                    .map_err(|e| e.to_string())?;
                Ok(download(bytes, XLSX, &format!("问题整改台账-{month}.xlsx")))
            }
            _ => Err("没有这个文件".into()),
        }
    })
    .await;
    match result {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => error(StatusCode::NOT_FOUND, &e),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

fn zip_dir(dir: &std::path::Path) -> Result<Vec<u8>, String> {
    use std::io::Write;
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let mut names: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| e.to_string())?
            .filter_map(|e| e.ok())
            .collect();
        names.sort_by_key(|e| e.file_name());
        for e in names {
            let name = e.file_name().to_string_lossy().into_owned();
            z.start_file(name, opts).map_err(|e| e.to_string())?;
            z.write_all(&std::fs::read(e.path()).map_err(|e| e.to_string())?)
                .map_err(|e| e.to_string())?;
        }
        z.finish().map_err(|e| e.to_string())?;
    }
    Ok(buf.into_inner())
}
