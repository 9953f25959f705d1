//! Reports on data-samples/: the files of every kind, snapshots of the Markdown and of
//! summary.json, masking, self-containment, escaping of hostile names, and a look in a real
//! browser where Chromium is installed.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use super::{json, luyu, repo, stderr, stdout, write};

/// data-samples/ rendered once, as of 2020-06 and 2020-12, into one folder.
fn rendered() -> &'static Path {
    static OUT: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, out) = OUT.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let o = luyu(&[
            "demo",
            "--samples",
            repo().join("data-samples").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
        (tmp, out)
    });
    out
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Ingests a folder or file into a warehouse, which must succeed.
fn ingest_ok(files: &Path, wh: &Path) {
    let o = luyu(&[
        "ingest",
        files.to_str().unwrap(),
        "--warehouse",
        wh.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// `luyu report --as-of M --warehouse WH --out OUT` and `extra`, which must succeed; its stderr.
fn report_ok(wh: &str, out: &Path, as_of: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "report",
        "--as-of",
        as_of,
        "--warehouse",
        wh,
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend(extra);
    let o = luyu(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    stderr(&o)
}

fn has_unmasked_id(text: &str) -> bool {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .any(luyu::ids::looks_like_id)
}

#[test]
fn every_kind_month_and_format_is_written_with_its_own_charts() {
    let out = rendered();
    for month in ["2020-06", "2020-12"] {
        for kind in ["briefing", "supervision", "annual"] {
            for ext in ["html", "md"] {
                assert!(
                    out.join(format!("{kind}-{month}.{ext}")).exists(),
                    "{kind}-{month}.{ext}"
                );
            }
            for chart in ["progress", "monthly", "spend", "counties"] {
                for ext in ["png", "svg"] {
                    let f = out.join(format!("{kind}-{month}-{chart}.{ext}"));
                    assert!(
                        std::fs::metadata(&f)
                            .map(|m| m.len() > 2000)
                            .unwrap_or(false),
                        "{}",
                        f.display()
                    );
                }
            }
        }
        assert!(out.join(format!("summary-{month}.json")).exists());
    }
    assert!(out.join("summary.json").exists());
}

#[test]
fn reports_show_the_same_figures_as_summary_json() {
    let out = rendered();
    let s: serde_json::Value =
        serde_json::from_str(&read(&out.join("summary-2020-12.json"))).unwrap();
    let html = read(&out.join("briefing-2020-12.html"));
    let md = read(&out.join("briefing-2020-12.md"));
    for key in ["helped", "transferred", "local", "trained"] {
        let actual = s["targets"][key]["actual"].as_i64().unwrap();
        assert!(
            html.contains(&format!("data-actual=\"{actual}\"")),
            "{key} {actual} in HTML"
        );
        assert!(
            md.contains(&format!(" | {actual} | ")),
            "{key} {actual} in Markdown"
        );
    }
    let paid = s["spend"]["援助资金"]["paid"].as_str().unwrap();
    let grouped = luyu::money::yuan_grouped(paid.parse().unwrap());
    assert!(md.contains(&format!("援助资金：{grouped} 元")), "{grouped}");
}

#[test]
fn circulated_outputs_are_masked_and_self_contained() {
    let out = rendered();
    for entry in std::fs::read_dir(out).unwrap() {
        let p = entry.unwrap().path();
        let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !["html", "md", "json", "svg"].contains(&ext) {
            continue;
        }
        let text = read(&p);
        assert!(
            !has_unmasked_id(&text),
            "unmasked 身份证号 in {}",
            p.display()
        );
        if ext == "html" {
            for bad in ["src=\"http", "href=\"http", "url(http", "<link", "<script"] {
                assert!(!text.contains(bad), "{bad} in {}", p.display());
            }
            assert!(text.contains("<svg"), "charts inline in {}", p.display());
        }
    }
}

#[test]
fn markdown_snapshots() {
    let out = rendered();
    for month in ["2020-06", "2020-12"] {
        for kind in ["briefing", "supervision", "annual"] {
            insta::assert_snapshot!(
                format!("{kind}-{month}.md"),
                read(&out.join(format!("{kind}-{month}.md")))
            );
        }
        insta::assert_snapshot!(
            format!("summary-{month}.json"),
            read(&out.join(format!("summary-{month}.json")))
        );
    }
}

#[test]
fn hostile_names_are_escaped_in_html_and_markdown_and_neutralised_in_xlsx() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let evil = "<script>alert(1)</script>|*x*";
    let formula = "=HYPERLINK(\"http://x\",\"点我\")";
    write(d, "名册.csv", "序号,所属月份,身份证号,姓名,乡镇（街道）,是否建档立卡\n1,2020-12,500101199001010018,张三,龙沙镇,是\n");
    write(d, "发放.csv", &format!(
        "序号,所属月份,发放地区,资金来源,补贴项目,对象类型,对象名称,对象证件号码,关联身份证号,金额,发放日期,补贴月数,补贴天数,凭证号\n\
         1,2020-12,万州,援助资金,扶贫车间建设补助,单位,\"{}\",,,30000,2020-12-05,,,WZ-1\n\
         2,2020-12,万州,援助资金,扶贫车间建设补助,单位,\"{}\",,,30000,2020-12-05,,,WZ-2\n",
        evil.replace('"', "\"\""), formula.replace('"', "\"\"")
    ));
    let wh = d.join("wh");
    let wh = wh.to_str().unwrap();
    assert!(luyu(&["ingest", d.to_str().unwrap(), "--warehouse", wh])
        .status
        .success());
    let out = d.join("out");
    report_ok(wh, &out, "2020-12", &["--kind", "supervision"]);
    let html = read(&out.join("supervision-2020-12.html"));
    assert!(!html.contains("<script>alert"), "raw script in HTML");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;")
            || html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "escaped in HTML"
    );
    let md = read(&out.join("supervision-2020-12.md"));
    assert!(
        md.contains("&lt;script&gt;alert(1)&lt;/script&gt;\\|\\*x\\*"),
        "escaped in Markdown"
    );
    let lines: Vec<&str> = md.lines().collect();
    for (i, line) in lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.contains("script"))
    {
        // A table row keeps its column count (its own table's header): the | in the name is
        // escaped.
        if line.starts_with('|') {
            let cells = line.replace("\\|", "").matches('|').count();
            let header = (0..i)
                .rev()
                .find(|j| lines[j + 1].starts_with("| ---"))
                .map(|j| lines[j])
                .unwrap();
            assert_eq!(cells, header.matches('|').count(), "{line}");
        }
    }
    let x = d.join("a.xlsx");
    assert!(luyu(&[
        "audit",
        "--as-of",
        "2020-12",
        "--xlsx",
        x.to_str().unwrap(),
        "--warehouse",
        wh
    ])
    .status
    .success());
    use calamine::{open_workbook_auto, Reader};
    let mut book = open_workbook_auto(&x).unwrap();
    let sheet = book.worksheet_range("问题整改台账").unwrap();
    let cells: Vec<String> = sheet
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()))
        .collect();
    assert!(
        cells.iter().any(|c| c.starts_with("'=HYPERLINK")),
        "{cells:?}"
    );
    assert!(!cells.iter().any(|c| c.starts_with("=HYPERLINK")));
}

#[test]
fn in_a_browser_the_briefing_shows_its_figures() {
    let Some(chromium) = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| {
            Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
    else {
        eprintln!(
            "SKIPPED: Chromium is not installed (apt-get install chromium); .ci/run installs it"
        );
        return;
    };
    let cjk = Command::new("fc-list")
        .arg(":lang=zh")
        .output()
        .map(|o| !o.stdout.is_empty())
        .unwrap_or(false);
    if !cjk {
        eprintln!("warning: no CJK font installed (apt-get install fonts-wqy-microhei): the screenshot will show boxes for Chinese");
    }
    let out = rendered();
    let page = out.join("briefing-2020-12.html");
    let url = format!("file://{}", page.display());
    let profile = tempfile::tempdir().unwrap();
    let base = |extra: &[&str]| {
        let mut c = Command::new(chromium);
        c.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--host-resolver-rules=MAP * ~NOTFOUND")
        .args(extra)
        .arg(&url);
        c.output().expect("chromium runs")
    };
    let dom = base(&["--dump-dom"]);
    let dom = String::from_utf8_lossy(&dom.stdout);
    let s: serde_json::Value =
        serde_json::from_str(&read(&out.join("summary-2020-12.json"))).unwrap();
    for key in ["helped", "transferred", "local", "trained"] {
        let actual = s["targets"][key]["actual"].as_i64().unwrap();
        assert!(
            dom.contains(&format!("data-actual=\"{actual}\">{actual}<")),
            "{key} in the DOM"
        );
    }
    let shots = repo().join("target/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let shot = shots.join("briefing-2020-12.png");
    let _ = std::fs::remove_file(&shot);
    base(&[
        "--window-size=1000,1800",
        &format!("--screenshot={}", shot.display()),
    ]);
    let png = std::fs::read(&shot).expect("a screenshot");
    // A blank page compresses to almost nothing; text, tables and charts do not.
    assert!(
        png.len() > 50_000,
        "screenshot of {} bytes looks blank",
        png.len()
    );
}

#[test]
fn run_ingests_and_renders_in_one_step() {
    let tmp = tempfile::tempdir().unwrap();
    let wh = tmp.path().join("wh");
    let out = tmp.path().join("out");
    let o = luyu(&[
        "run",
        repo().join("data-samples").to_str().unwrap(),
        "--as-of",
        "2020-06",
        "--out",
        out.to_str().unwrap(),
        "--warehouse",
        wh.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("annual-2020-06.html"));
    let s = json(&[
        "summary",
        "--as-of",
        "2020-06",
        "--warehouse",
        wh.to_str().unwrap(),
    ]);
    assert_eq!(
        s,
        serde_json::from_str::<serde_json::Value>(&read(&out.join("summary.json"))).unwrap()
    );
}

#[test]
fn long_lists_are_capped_with_their_totals_and_where_the_full_list_is() {
    let tmp = tempfile::tempdir().unwrap();
    let wh = tmp.path().join("wh");
    let wh = wh.to_str().unwrap();
    let samples = repo().join("data-samples");
    let o = luyu(&["ingest", samples.to_str().unwrap(), "--warehouse", wh]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = tmp.path().join("out");
    report_ok(
        wh,
        &out,
        "2020-12",
        &["--kind", "supervision", "--list-cap", "3"],
    );
    let summary = json_file(&out.join("summary.json"));
    // The list holds the audit's findings; rejected IDs are counted in summary.json but listed
    // with the rejected rows.
    let errors = summary["findings"]["errors"].as_i64().unwrap()
        - summary["findings"]["by_rule"]["invalid_id"]
            .as_i64()
            .unwrap();
    assert!(errors > 3, "the samples have more than 3 errors");
    let md = read(&out.join("supervision-2020-12.md"));
    let section = md
        .split("## 二、问题清单")
        .nth(1)
        .and_then(|s| s.split("### 提示").next())
        .unwrap();
    let rows = section
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| 问题") && !l.starts_with("| ---"))
        .count();
    assert_eq!(rows, 3, "{section}");
    assert!(
        section.contains(&format!(
            "只列出前 3 条，本表共 {errors} 条；完整清单用 `luyu audit --xlsx` 导出"
        )),
        "{section}"
    );
    let html = read(&out.join("supervision-2020-12.html"));
    assert!(html.contains(&format!("只列出前 3 条，本表共 {errors} 条")));
}

/// The report cache: a second report of the same month reads what the first computed, with the
/// same output; new data, another list cap or `--recompute` compute again; a damaged entry is
/// recomputed, not an error.
#[test]
fn a_second_report_of_the_same_data_comes_from_the_cache_and_new_data_recomputes() {
    let tmp = tempfile::tempdir().unwrap();
    let (files, later) = (tmp.path().join("files"), tmp.path().join("later"));
    std::fs::create_dir_all(&files).unwrap();
    std::fs::create_dir_all(&later).unwrap();
    let june_payments = "万州区2020年6月补贴发放明细.csv";
    for e in std::fs::read_dir(repo().join("data-samples")).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().to_string();
        let month: Option<u32> = name
            .split_once("2020年")
            .and_then(|(_, r)| r.split_once('月'))
            .and_then(|(m, _)| m.parse().ok());
        if name.starts_with("万州区") && month.is_some_and(|m| m <= 6) {
            let to = if name == june_payments {
                &later
            } else {
                &files
            };
            std::fs::copy(repo().join("data-samples").join(&name), to.join(&name)).unwrap();
        }
    }
    let wh = tmp.path().join("wh");
    let ingest = |dir: &Path| ingest_ok(dir, &wh);
    let report = |out: &str, extra: &[&str]| -> (String, String) {
        let out = tmp.path().join(out);
        let said = report_ok(wh.to_str().unwrap(), &out, "2020-06", extra);
        (said, read(&out.join("supervision-2020-06.md")))
    };
    let computed = "核算截至 2020-06 的数据";
    let cached = "直接使用仓库中的结果";
    ingest(&files);
    let (said, first) = report("a", &[]);
    assert!(said.contains(computed) && !said.contains(cached), "{said}");
    let (said, second) = report("b", &[]);
    assert!(said.contains(cached) && !said.contains(computed), "{said}");
    assert_eq!(first, second);
    // The cache holds what circulates: no unmasked ID.
    for e in std::fs::read_dir(wh.join("cache")).unwrap() {
        let p = e.unwrap().path();
        assert!(!has_unmasked_id(&read(&p)), "{}", p.display());
    }
    for name in ["summary.json", "briefing-2020-06.html", "annual-2020-06.md"] {
        assert_eq!(
            read(&tmp.path().join("a").join(name)),
            read(&tmp.path().join("b").join(name)),
            "{name}"
        );
    }
    // Another list cap, or asked to: computed again.
    assert!(report("c", &["--list-cap", "3"]).0.contains(computed));
    assert!(report("d", &["--recompute"]).0.contains(computed));
    // A damaged entry is a miss.
    let entry = wh.join("cache").join("report-supervision-2020-06.json");
    std::fs::write(&entry, "{ not json").unwrap();
    let (said, again) = report("e", &[]);
    assert!(said.contains(computed), "{said}");
    assert_eq!(again, first);
    // June's payments arrive: the same month is computed again, with the new spend.
    ingest(&later);
    let (said, after) = report("f", &[]);
    assert!(said.contains(computed), "{said}");
    let paid = |dir: &str| json_file(&tmp.path().join(dir).join("summary.json"))["spend"].clone();
    assert_ne!(paid("b"), paid("f"));
    assert_ne!(after, first);
    // The 整改台账's own month is kept for the months after it: July's report reads June's
    // findings (as of the new data) from the cache, and says what it says when it computes them.
    // June's counts are kept too, for July's "change since last month".
    let kept = wh.join("cache").join("findings-2020-06.json");
    let counts = wh.join("cache").join("targets-plan2020-2020-06.json");
    assert!(kept.exists() && counts.exists());
    let july = |out: &str| {
        let out = tmp.path().join(out);
        report_ok(wh.to_str().unwrap(), &out, "2020-07", &["--recompute"]);
        (
            read(&out.join("supervision-2020-07.md")),
            read(&out.join("briefing-2020-07.md")),
        )
    };
    let from_cache = july("g");
    assert!(from_cache.0.contains("未整改"), "{}", from_cache.0);
    // Computed again when neither is kept: the 整改台账 computes June with its targets.
    std::fs::remove_file(&kept).unwrap();
    std::fs::remove_file(&counts).unwrap();
    assert_eq!(from_cache, july("h"));
    assert!(counts.exists());
    // Only June's counts gone: its targets alone are computed, and the same again.
    std::fs::remove_file(&counts).unwrap();
    assert_eq!(from_cache, july("i"));
    // And the kept counts are what July reads: changed, they change the report.
    let text = read(&counts);
    std::fs::write(&counts, text.replace("\"helped\":", "\"helped\":1000")).unwrap();
    assert_ne!(from_cache.1, july("j").1);
}

/// A warehouse whose report cache cannot be written (here `cache` is a file) still reports, and
/// the same: the 整改台账's earlier months, which a report otherwise reads back from the cache
/// after its own month, are held instead.
#[test]
fn a_report_whose_cache_cannot_be_written_is_the_same() {
    let tmp = tempfile::tempdir().unwrap();
    let samples = repo().join("data-samples");
    let (good, stuck) = (tmp.path().join("good"), tmp.path().join("stuck"));
    for wh in [&good, &stuck] {
        ingest_ok(&samples, wh);
    }
    std::fs::write(stuck.join("cache"), "not a folder").unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    report_ok(good.to_str().unwrap(), &a, "2020-12", &[]);
    let said = report_ok(stuck.to_str().unwrap(), &b, "2020-12", &[]);
    assert!(said.contains("报告缓存未能写入"), "{said}");
    for kind in ["briefing", "supervision", "annual"] {
        let name = format!("{kind}-2020-12.md");
        assert_eq!(read(&a.join(&name)), read(&b.join(&name)), "{name}");
    }
    assert_eq!(read(&a.join("summary.json")), read(&b.join("summary.json")));
}

fn json_file(p: &Path) -> serde_json::Value {
    serde_json::from_str(&read(p)).unwrap()
}
