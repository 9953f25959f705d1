//! `luyu serve` over HTTP on loopback: the real binary on a free port, every page, the upload
//! of `data-samples/` giving the CLI's figures, the error paths, login, roles and CSRF, hostile
//! file names; and in headless Chromium (WebDriver), what a clerk does.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{luyu, repo, stderr};

/// A running `luyu serve`, stopped when dropped.
pub struct Server {
    child: Child,
    pub base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn serve(wh: &Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_luyu"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--warehouse",
            wh.to_str().unwrap(),
        ])
        .env_remove("LUYU_WAREHOUSE")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    out.read_line(&mut line).unwrap();
    // Keep reading what it prints: a closed pipe would end it at its next line.
    std::thread::spawn(move || {
        let mut sink = String::new();
        while out.read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
            sink.clear();
        }
    });
    let base = line
        .split("http://")
        .nth(1)
        .map(|s| format!("http://{}", s.trim().trim_end_matches('/')))
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    Server { child, base }
}

/// A browser-like client: keeps its session cookie and the page's CSRF token.
pub struct Client {
    agent: ureq::Agent,
    base: String,
    cookie: String,
    pub csrf: String,
}

pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl Client {
    pub fn new(s: &Server) -> Client {
        Client {
            agent: ureq::AgentBuilder::new().redirects(0).build(),
            base: s.base.clone(),
            cookie: String::new(),
            csrf: String::new(),
        }
    }

    fn done(&mut self, r: Result<ureq::Response, ureq::Error>) -> Reply {
        let r = match r {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{e}"),
        };
        let headers: Vec<(String, String)> = r
            .headers_names()
            .into_iter()
            .flat_map(|n| {
                r.all(&n)
                    .into_iter()
                    .map(|v| (n.clone(), v.to_string()))
                    .collect::<Vec<_>>()
            })
            .collect();
        for (k, v) in &headers {
            if k.eq_ignore_ascii_case("set-cookie") {
                if let Some(c) = v.split(';').next() {
                    self.cookie = c.to_string();
                }
            }
        }
        let status = r.status();
        let mut body = Vec::new();
        r.into_reader().read_to_end(&mut body).unwrap();
        let reply = Reply {
            status,
            headers,
            body,
        };
        if let Some(t) = reply
            .text()
            .split("name=\"csrf\" content=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .filter(|t| !t.is_empty())
        {
            self.csrf = t.to_string();
        }
        reply
    }

    pub fn get(&mut self, path: &str) -> Reply {
        let r = self
            .agent
            .get(&format!("{}{path}", self.base))
            .set("Cookie", &self.cookie)
            .call();
        self.done(r)
    }

    pub fn post_form(&mut self, path: &str, form: &[(&str, &str)]) -> Reply {
        let r = self
            .agent
            .post(&format!("{}{path}", self.base))
            .set("Cookie", &self.cookie)
            .send_form(form);
        self.done(r)
    }

    /// A multipart upload of `(name, bytes)` files, with the page's CSRF token unless `csrf`
    /// is false.
    pub fn upload(&mut self, files: &[(String, Vec<u8>)], csrf: bool) -> Reply {
        let boundary = "luyutestboundary7d1f";
        let mut body = Vec::new();
        for (name, bytes) in files {
            body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
            body.extend(bytes);
            body.extend(b"\r\n");
        }
        body.extend(format!("--{boundary}--\r\n").as_bytes());
        let mut req = self
            .agent
            .post(&format!("{}/upload", self.base))
            .set("Cookie", &self.cookie)
            .set(
                "Content-Type",
                &format!("multipart/form-data; boundary={boundary}"),
            );
        if csrf {
            req = req.set("X-CSRF-Token", &self.csrf);
        }
        let r = req.send_bytes(&body);
        self.done(r)
    }

    /// Polls a job until it ends; returns its final status.
    pub fn wait(&mut self, job: u64) -> serde_json::Value {
        let start = Instant::now();
        loop {
            let s: serde_json::Value =
                serde_json::from_slice(&self.get(&format!("/api/jobs/{job}")).body).unwrap();
            if s["state"] != "running" {
                return s;
            }
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "job {job} did not end"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A page that may first compute its month in the background: waits for it.
    pub fn computed(&mut self, path: &str) -> Reply {
        let start = Instant::now();
        loop {
            let r = self.get(path);
            let text = r.text();
            match text
                .split("data-job=\"")
                .nth(1)
                .and_then(|t| t.split('"').next())
            {
                Some(job) if text.contains("正在核算") => {
                    let s = self.wait(job.parse().unwrap());
                    assert_eq!(s["state"], "done", "{s}");
                }
                _ => return r,
            }
            assert!(start.elapsed() < Duration::from_secs(120));
        }
    }
}

pub fn samples() -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(repo().join("data-samples"))
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

fn cli_summary(tmp: &Path, month: &str) -> Vec<u8> {
    let wh = tmp.join("cli-wh");
    if !wh.exists() {
        let o = luyu(&[
            "ingest",
            repo().join("data-samples").to_str().unwrap(),
            "--warehouse",
            wh.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let out = tmp.join(format!("cli-{month}.json"));
    let o = luyu(&[
        "summary",
        "--as-of",
        month,
        "--warehouse",
        wh.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    std::fs::read(out).unwrap()
}

#[test]
fn the_web_application_gives_the_clis_figures_and_refuses_what_it_should() {
    let tmp = tempfile::tempdir().unwrap();
    let wh = tmp.path().join("wh");
    let s = serve(&wh);
    let mut c = Client::new(&s);

    // An empty warehouse starts on the file drop.
    let r = c.get("/");
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/upload"));
    let set = r.header("set-cookie").unwrap_or("");
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    let r = c.get("/upload");
    assert_eq!(r.status, 200);
    assert!(r.text().contains("把报表文件（或整个文件夹）拖到这里"));
    let csp = r.header("content-security-policy").unwrap_or("");
    assert!(
        csp.contains("default-src 'none'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert!(
        !r.text().contains("http://") && !r.text().contains("https://"),
        "nothing from the network"
    );
    assert!(c.get("/static/app.js").status == 200 && c.get("/static/app.css").status == 200);
    assert_eq!(c.get("/static/../manifest.json").status, 404);

    // POST without the CSRF token: refused.
    let files = samples();
    let r = c.upload(&files[..1], false);
    assert_eq!(r.status, 403, "{}", r.text());
    // Not a report file: refused with the reason.
    let r = c.upload(&[("说明.exe".into(), b"MZ".to_vec())], true);
    assert_eq!(r.status, 400);
    assert!(r.text().contains("不是报表文件"), "{}", r.text());

    // The samples, as a clerk drops them.
    let r = c.upload(&files, true);
    assert_eq!(r.status, 200, "{}", r.text());
    let job = serde_json::from_slice::<serde_json::Value>(&r.body).unwrap()["job"]
        .as_u64()
        .unwrap();
    // A second upload while the first is read is told to wait.
    let again = c.upload(&files[..1], true);
    let s1 = c.wait(job);
    assert_eq!(s1["state"], "done", "{s1}");
    if again.status == 200 {
        // The first had finished already: the second is its own ingest (of a file received).
        let job = serde_json::from_slice::<serde_json::Value>(&again.body).unwrap()["job"]
            .as_u64()
            .unwrap();
        c.wait(job);
    } else {
        assert_eq!(again.status, 409, "{}", again.text());
        assert!(again.text().contains("正在导入"));
    }
    assert!(
        walk(&wh.join("incoming")).is_empty(),
        "the upload's copies go once read (raw/ keeps the files)"
    );
    let r = c.get(s1["result"].as_str().unwrap());
    let text = r.text();
    assert!(text.contains("导入 85 个文件"), "{text}");
    assert!(
        text.contains("拒收的行") && text.contains("下载拒收明细"),
        "{text}"
    );
    let x = c.get(&format!("/upload/result/{job}/rejects.xlsx"));
    assert_eq!(x.status, 200);
    assert!(x.body.starts_with(b"PK"));

    // The dashboard and every figure's list give the CLI's figures.
    for month in ["2020-06", "2020-12"] {
        let want: serde_json::Value =
            serde_json::from_slice(&cli_summary(tmp.path(), month)).unwrap();
        let dash = c.computed(&format!("/dashboard?as_of={month}")).text();
        for key in ["helped", "transferred", "local", "trained"] {
            let actual = want["targets"][key]["actual"].as_i64().unwrap();
            let card = dash.split(&format!("id=\"target-{key}\"")).nth(1).unwrap();
            assert!(
                card.contains(&format!("data-actual=\"{actual}\"")),
                "{month} {key}"
            );
            let list = c
                .computed(&format!("/list/persons?as_of={month}&indicator={key}"))
                .text();
            assert!(
                list.contains(&format!("<b id=\"total\">{actual}</b>")),
                "{month} {key} list"
            );
        }
        assert!(dash.contains("报表报送情况") && dash.contains("cell-received"));
        // A township's link carries its name percent-encoded, and its list has the count shown.
        let link = dash.split("indicator=helped&amp;township=").nth(1).unwrap();
        let (town, rest) = link.split_once('"').unwrap();
        assert!(town.starts_with('%'), "{town}");
        let shown = rest.split_once('>').unwrap().1.split_once('<').unwrap().0;
        let list = c
            .computed(&format!(
                "/list/persons?as_of={month}&indicator=helped&township={town}"
            ))
            .text();
        assert!(
            list.contains(&format!("<b id=\"total\">{shown}</b>")),
            "{month} {town}"
        );
        let summary = c.get(&format!("/reports/file/summary-{month}.json"));
        assert_eq!(
            summary.body,
            cli_summary(tmp.path(), month),
            "summary.json from the page"
        );
    }
    let list = c.computed("/list/persons?as_of=2020-12&indicator=local&sort=2&desc=1&page=2");
    assert_eq!(list.status, 200);
    assert!(
        !list.text().contains("500101199") || list.text().contains("********"),
        "masked"
    );
    let xlsx = c.computed("/list/persons.xlsx?as_of=2020-12&indicator=local");
    assert_eq!(xlsx.status, 200);
    assert!(xlsx.body.starts_with(b"PK"));
    assert!(xlsx
        .header("content-disposition")
        .unwrap_or("")
        .contains("attachment"));
    let item = encode("培训补贴");
    assert!(c
        .computed(&format!("/list/payments?as_of=2020-12&item={item}"))
        .text()
        .contains("培训补贴"));
    assert!(c
        .computed("/list/findings?as_of=2020-12&rule=over_entitlement")
        .text()
        .contains("ZG-"));
    // From a person in a list, their story (the machine's clerk may see it unmasked).
    let list = c
        .computed("/list/persons?as_of=2020-12&indicator=local")
        .text();
    let link = list
        .split("href=\"/person/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let p = c.computed(&format!("/person/{link}"));
    assert_eq!(p.status, 200);
    assert!(p.text().contains("年度目标计入情况"), "{}", p.text());
    let log = std::fs::read_to_string(wh.join("access-log.jsonl")).unwrap();
    assert!(
        log.contains("查看未脱敏个人详情") && log.contains("上传 85 个文件"),
        "{log}"
    );

    // Reports: viewed and downloaded.
    let r = c.computed("/reports?as_of=2020-12");
    assert!(r.text().contains("联席会议通报"));
    let html = c.get("/reports/file/briefing-2020-12.html");
    assert_eq!(html.status, 200);
    assert!(html.text().contains("鲁渝劳务协作联席会议通报"));
    let zip = c.get("/reports/file/supervision-2020-12.md.zip");
    assert!(zip.body.starts_with(b"PK") && zip.header("content-type") == Some("application/zip"));
    assert!(c
        .get("/reports/file/findings-2020-12.xlsx")
        .body
        .starts_with(b"PK"));

    // Error paths: a clear page, never a panic.
    for (path, status) in [
        ("/dashboard?as_of=2020-13", 400),
        ("/list/persons?as_of=2020-12&indicator=nobody", 400),
        ("/list/nothing?as_of=2020-12", 404),
        ("/person/0000000000000000?as_of=2020-12", 404),
        ("/reports/file/..%2F..%2Fmanifest.json", 404),
        ("/reports/file/briefing-2020-99.html", 404),
        ("/api/jobs/999", 404),
        ("/no-such-page", 404),
    ] {
        let r = c.get(path);
        assert_eq!(r.status, status, "{path}: {}", r.text());
        assert!(
            r.text().contains("出错了") || r.text().contains("error"),
            "{path}"
        );
    }

    // Hostile names: a `<script>` file name is shown as text, a path-like one goes nowhere.
    let registry = "序号,所属月份,身份证号,姓名,乡镇（街道）,是否建档立卡\n1,2021-01,500101199001010018,<b>张三</b>,龙沙镇,是\n".as_bytes().to_vec();
    let r = c.upload(
        &[
            ("<script>alert(1).csv".into(), registry.clone()),
            (
                "../../../../tmp/luyu-evil.csv".into(),
                [registry.clone(), b"\n".to_vec()].concat(),
            ),
        ],
        true,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let job = serde_json::from_slice::<serde_json::Value>(&r.body).unwrap()["job"]
        .as_u64()
        .unwrap();
    let s2 = c.wait(job);
    let page = c.get(s2["result"].as_str().unwrap()).text();
    assert!(!page.contains("<script>alert"), "raw script in the page");
    assert!(page.contains("&lt;script&gt;alert(1).csv"), "{page}");
    assert!(
        page.contains("luyu-evil.csv") && !page.contains("../"),
        "{page}"
    );
    assert!(!Path::new("/tmp/luyu-evil.csv").exists());
    for entry in walk(&wh) {
        let name = entry.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            !name.contains("evil") && !name.contains("script"),
            "{}",
            entry.display()
        );
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn add_user(wh: &Path, name: &str, role: &str, password: &str) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_luyu"))
        .args([
            "user",
            "add",
            name,
            "--role",
            role,
            "--warehouse",
            wh.to_str().unwrap(),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn accounts_roles_and_csrf_guard_an_office_server() {
    let tmp = tempfile::tempdir().unwrap();
    let wh = tmp.path().join("wh");
    // Any other address than loopback needs accounts.
    let o = luyu(&[
        "serve",
        "--listen",
        "0.0.0.0:0",
        "--warehouse",
        wh.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("须先建立账号"), "{}", stderr(&o));
    assert!(luyu(&[
        "ingest",
        repo().join("data-samples").to_str().unwrap(),
        "--warehouse",
        wh.to_str().unwrap()
    ])
    .status
    .success());
    add_user(&wh, "张三", "经办", "zhangsan-2020");
    add_user(&wh, "李四", "查看", "lisi-2020-pw");
    let users = std::fs::read_to_string(wh.join("users.json")).unwrap();
    assert!(
        users.contains("$argon2") && !users.contains("zhangsan-2020"),
        "hashed only"
    );
    let short = luyu(&[
        "user",
        "add",
        "王五",
        "--role",
        "主任",
        "--warehouse",
        wh.to_str().unwrap(),
    ]);
    assert!(!short.status.success());

    let s = serve(&wh);
    let mut viewer = Client::new(&s);
    let r = viewer.get("/dashboard?as_of=2020-12");
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/login"));
    let r = viewer.get("/login");
    assert_eq!(r.status, 200);
    let r = viewer.post_form(
        "/login",
        &[
            ("name", "李四"),
            ("password", "lisi-2020-pw"),
            ("csrf", "forged"),
        ],
    );
    assert_eq!(r.status, 403, "a login without the form's token");
    let token = viewer.csrf.clone();
    let r = viewer.post_form(
        "/login",
        &[
            ("name", "李四"),
            ("password", "wrong-password"),
            ("csrf", &token),
        ],
    );
    assert_eq!(r.status, 401);
    assert!(r.text().contains("用户名或密码不正确"));
    let token = viewer.csrf.clone();
    let r = viewer.post_form(
        "/login",
        &[
            ("name", "李四"),
            ("password", "lisi-2020-pw"),
            ("csrf", &token),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let dash = viewer.computed("/dashboard?as_of=2020-12");
    assert_eq!(dash.status, 200);
    assert!(dash.text().contains("李四（查看）"));
    // 查看: masked lists, no person pages, no uploads.
    let list = viewer
        .computed("/list/persons?as_of=2020-12&indicator=local")
        .text();
    assert!(
        !list.contains("href=\"/person/"),
        "no links to unmasked pages for 查看"
    );
    assert!(list.contains("********"));
    let r = viewer.upload(&[("名册.csv".into(), b"x".to_vec())], true);
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(
        viewer.get("/person/0123456789abcdef?as_of=2020-12").status,
        403
    );

    // 经办: may open one person, and it is logged.
    let mut clerk = Client::new(&s);
    clerk.get("/login");
    let token = clerk.csrf.clone();
    assert_eq!(
        clerk
            .post_form(
                "/login",
                &[
                    ("name", "张三"),
                    ("password", "zhangsan-2020"),
                    ("csrf", &token)
                ]
            )
            .status,
        303
    );
    let list = clerk
        .computed("/list/persons?as_of=2020-12&indicator=local")
        .text();
    let link = list
        .split("href=\"/person/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    assert_eq!(clerk.computed(&format!("/person/{link}")).status, 200);
    let log = std::fs::read_to_string(wh.join("access-log.jsonl")).unwrap();
    assert!(
        log.contains("\"user\":\"张三\"") && log.contains("查看未脱敏个人详情"),
        "{log}"
    );
    assert!(!log.contains("李四\",\"role\":\"查看\",\"what\":\"查看未脱敏"));

    // A POST without the session's token is refused; logout ends the session.
    let r = clerk.post_form("/logout", &[("csrf", "forged")]);
    assert_eq!(r.status, 403);
    let token = clerk.csrf.clone();
    assert_eq!(clerk.post_form("/logout", &[("csrf", &token)]).status, 303);
    assert_eq!(
        clerk.get("/dashboard?as_of=2020-12").status,
        303,
        "logged out"
    );
}

/// A W3C WebDriver session on chromedriver (the protocol itself over HTTP, no client crate).
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = ureq::delete(&self.url).call();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    fn cmd(&self, method: &str, path: &str, body: serde_json::Value) -> serde_json::Value {
        let url = format!("{}{path}", self.url);
        let r = match method {
            "GET" => ureq::get(&url).call(),
            _ => ureq::post(&url).send_json(body),
        };
        let r = match r {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("webdriver: {e}"),
        };
        let v: serde_json::Value = r.into_json().unwrap();
        v["value"].clone()
    }

    fn go(&self, url: &str) {
        self.cmd("POST", "/url", serde_json::json!({"url": url}));
    }

    fn find(&self, css: &str) -> Option<String> {
        let v = self.cmd(
            "POST",
            "/element",
            serde_json::json!({"using": "css selector", "value": css}),
        );
        v.get("element-6066-11e4-a52e-4f735466cecf")?
            .as_str()
            .map(String::from)
    }

    fn wait_for(&self, css: &str) -> String {
        let start = Instant::now();
        loop {
            if let Some(e) = self.find(css) {
                return e;
            }
            assert!(
                start.elapsed() < Duration::from_secs(90),
                "never appeared: {css}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn text(&self, css: &str) -> String {
        let e = self.wait_for(css);
        self.cmd(
            "GET",
            &format!("/element/{e}/text"),
            serde_json::Value::Null,
        )
        .as_str()
        .unwrap_or("")
        .to_string()
    }

    fn screenshot(&self, name: &str) {
        let v = self.cmd("GET", "/screenshot", serde_json::Value::Null);
        let png = base64_decode(v.as_str().unwrap_or(""));
        let dir = repo().join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), png).unwrap();
    }
}

/// Standard base64 (the screenshot's encoding).
fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::new();
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.bytes().filter_map(val) {
        buf = (buf << 6) | c;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    out
}

fn driver() -> Option<Driver> {
    let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| Path::new(p).exists())?;
    let chromedriver = ["/usr/bin/chromedriver"]
        .into_iter()
        .find(|p| Path::new(p).exists())?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let child = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let base = format!("http://127.0.0.1:{port}");
    let start = Instant::now();
    while ureq::get(&format!("{base}/status")).call().is_err() {
        if start.elapsed() > Duration::from_secs(20) {
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let profile = std::env::temp_dir().join(format!("luyu-chrome-{}", std::process::id()));
    let caps = serde_json::json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
        "binary": chromium,
        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,1800",
                 format!("--user-data-dir={}", profile.display())]}}}});
    let v: serde_json::Value = ureq::post(&format!("{base}/session"))
        .send_json(caps)
        .ok()?
        .into_json()
        .ok()?;
    let id = v["value"]["sessionId"].as_str()?.to_string();
    Some(Driver {
        child,
        url: format!("{base}/session/{id}"),
    })
}

#[test]
fn a_clerk_uploads_opens_the_dashboard_a_list_and_a_report_in_chromium() {
    let Some(d) = driver() else {
        eprintln!("SKIPPED: Chromium or chromedriver is not installed (apt-get install chromium chromium-driver); .ci/run installs them");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let wh = tmp.path().join("wh");
    let s = serve(&wh);
    d.go(&format!("{}/", s.base));
    let input = d.wait_for("#files");
    // The sample files through the file input, as a clerk picks them.
    let paths: Vec<String> = std::fs::read_dir(repo().join("data-samples"))
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    d.screenshot("serve-1-upload.png");
    d.cmd(
        "POST",
        &format!("/element/{input}/value"),
        serde_json::json!({"text": paths.join("\n")}),
    );
    let summary = d.text("#summary");
    assert!(summary.contains("导入 85 个文件"), "{summary}");
    d.screenshot("serve-2-ingested.png");
    let to_dash = d.wait_for("#to-dashboard");
    d.cmd(
        "POST",
        &format!("/element/{to_dash}/click"),
        serde_json::json!({}),
    );
    let local = d.text("#target-local .num");
    let want: serde_json::Value =
        serde_json::from_slice(&cli_summary(tmp.path(), "2020-12")).unwrap();
    assert_eq!(local, want["targets"]["local"]["actual"].to_string());
    d.screenshot("serve-3-dashboard.png");
    let card = d.wait_for("#target-local");
    d.cmd(
        "POST",
        &format!("/element/{card}/click"),
        serde_json::json!({}),
    );
    let total = d.text("#total");
    assert_eq!(total, want["targets"]["local"]["actual"].to_string());
    d.screenshot("serve-4-persons.png");
    d.go(&format!("{}/reports?as_of=2020-12", s.base));
    let link = d.wait_for("#dl-briefing-html");
    let href = d.cmd(
        "GET",
        &format!("/element/{link}/property/href"),
        serde_json::Value::Null,
    );
    d.screenshot("serve-5-reports.png");
    // The download the link gives, fetched as the browser would.
    let mut c = Client::new(&s);
    let r = c.get(href.as_str().unwrap().trim_start_matches(&s.base));
    assert_eq!(r.status, 200);
    assert!(r
        .header("content-disposition")
        .unwrap_or("")
        .contains("attachment"));
    assert!(r.text().contains("鲁渝劳务协作联席会议通报"));
}
