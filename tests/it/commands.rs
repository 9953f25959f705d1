//! The reporting commands on data-samples/: figures agree between commands and with an
//! independent count from the warehouse, outputs are masked and neutralised.

use std::sync::OnceLock;

use super::{json, luyu, repo, stderr, stdout};

/// data-samples/ ingested once for all tests of this module.
fn warehouse() -> &'static str {
    static WH: OnceLock<(tempfile::TempDir, String)> = OnceLock::new();
    let (_, path) = WH.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let wh = tmp.path().join("wh").display().to_string();
        let o = luyu(&[
            "ingest",
            repo().join("data-samples").to_str().unwrap(),
            "--warehouse",
            &wh,
        ]);
        assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
        (tmp, wh)
    });
    path
}

#[test]
fn progress_json_matches_summary() {
    let wh = warehouse();
    let p = json(&[
        "progress",
        "--as-of",
        "2020-12",
        "--json",
        "--warehouse",
        wh,
    ]);
    let s = json(&["summary", "--as-of", "2020-12", "--warehouse", wh]);
    assert_eq!(p["targets"], s["targets"]);
    assert_eq!(p["overlap"], s["overlap"]);
    // helped = |T ∪ L ∪ R| ≤ category sum; the series ends at the year's actuals.
    let helped = p["targets"]["helped"]["actual"].as_i64().unwrap();
    assert!(helped <= p["category_sum"].as_i64().unwrap());
    let last = &p["series"][11];
    assert_eq!(last["helped"].as_i64().unwrap(), helped);
    let by_county: i64 = p["by_county"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_i64().unwrap())
        .sum();
    assert_eq!(
        by_county,
        p["targets"]["transferred"]["actual"].as_i64().unwrap()
    );
}

/// A second route to each indicator, written without the shipped queries: `IN` sub-queries
/// instead of joins, and the training completion computed in SQL from the raw columns.
const INDEPENDENT: [(&str, &str); 3] = [
    ("transferred", "SELECT COUNT(DISTINCT jining.id_number) AS n FROM jining WHERE jining.id_number IN (SELECT id_number FROM registry WHERE registered = true) AND jining.hire_date >= {window_start} AND jining.hire_date <= {window_end}"),
    ("local", "SELECT COUNT(DISTINCT help.id_number) AS n FROM help WHERE help.help_type = '就地就近就业' AND help.id_number IN (SELECT id_number FROM registry WHERE registered = true) AND help.start_date BETWEEN {window_start} AND {window_end}"),
    ("trained", "SELECT COUNT(DISTINCT id_number) AS n FROM (SELECT id_number FROM help WHERE help_type = '技能培训' AND end_date BETWEEN {window_start} AND {window_end} UNION SELECT id_number FROM jining WHERE training_days >= 1 AND training_start + INTERVAL '1 day' * (training_days - 1) BETWEEN {window_start} AND {window_end}) AS t WHERE id_number IN (SELECT id_number FROM registry WHERE registered = true)"),
];

#[test]
fn indicators_by_an_independent_query_agree() {
    let wh = warehouse();
    let tmp = tempfile::tempdir().unwrap();
    for month in ["2020-06", "2020-12"] {
        let s = json(&["summary", "--as-of", month, "--warehouse", wh]);
        for (key, sql) in INDEPENDENT {
            let file = tmp.path().join(format!("{key}.sql"));
            std::fs::write(&file, sql).unwrap();
            let o = luyu(&[
                "query",
                file.to_str().unwrap(),
                "--as-of",
                month,
                "--warehouse",
                wh,
            ]);
            assert!(o.status.success(), "{key}: {}", stderr(&o));
            let n: i64 = stdout(&o).lines().nth(1).unwrap().trim().parse().unwrap();
            assert_eq!(
                n,
                s["targets"][key]["actual"].as_i64().unwrap(),
                "{key} as of {month}"
            );
        }
    }
}

#[test]
fn audit_output_is_masked_unless_asked() {
    let wh = warehouse();
    let o = luyu(&["audit", "--as-of", "2020-12", "--warehouse", wh]);
    assert!(o.status.success());
    let out = stdout(&o);
    assert!(out.contains("over_entitlement"));
    let unmasked_id = out
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(luyu::ids::looks_like_id);
    assert!(!unmasked_id, "an 18-character ID in masked output");
    let o = luyu(&[
        "audit",
        "--as-of",
        "2020-12",
        "--unmasked",
        "--warehouse",
        wh,
    ]);
    assert!(stdout(&o)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(luyu::ids::looks_like_id));
}

#[test]
fn audit_xlsx_and_query_csv_are_written() {
    let wh = warehouse();
    let tmp = tempfile::tempdir().unwrap();
    let x = tmp.path().join("a.xlsx");
    let o = luyu(&[
        "audit",
        "--as-of",
        "2020-12",
        "--xlsx",
        x.to_str().unwrap(),
        "--warehouse",
        wh,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::read(&x).unwrap().starts_with(b"PK"));
    let c = tmp.path().join("q.csv");
    let o = luyu(&[
        "query",
        repo()
            .join("queries/women_transferred_by_county.sql")
            .to_str()
            .unwrap(),
        "--as-of",
        "2020-12",
        "--csv",
        c.to_str().unwrap(),
        "--warehouse",
        wh,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&std::fs::read(&c).unwrap()).contains("女性转移就业人数"));
}

#[test]
fn diff_shows_edits_between_months() {
    let wh = warehouse();
    let diff = |more: &[&str]| -> String {
        let mut args = vec![
            "diff",
            "--table",
            "help",
            "--from",
            "2020-05",
            "--to",
            "2020-06",
            "--warehouse",
            wh,
        ];
        args.extend(more);
        let o = luyu(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o)
    };
    let out = diff(&[]);
    assert!(
        out.contains("+ 新增") && out.contains("~ 修改") && out.contains("- 撤回"),
        "{out}"
    );
    assert!(!out.contains("未列出"), "{out}");
    // With a limit, the first rows are listed and every row still counted.
    let capped = diff(&["--limit", "2"]);
    let listed = |s: &str| {
        s.lines()
            .filter(|l| ["+ ", "~ ", "- "].iter().any(|p| l.starts_with(p)))
            .count()
    };
    assert_eq!(listed(&capped), 2, "{capped}");
    let total = listed(&out);
    assert!(
        capped.contains(&format!("……另有 {} 行变动未列出", total - 2)),
        "{capped}"
    );
    assert_eq!(capped.lines().last(), out.lines().last(), "the same counts");
}

#[test]
fn formula_cells_are_neutralised() {
    assert_eq!(luyu_neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
    assert_eq!(luyu_neutralise("张三"), "张三");
}

fn luyu_neutralise(s: &str) -> String {
    luyu::render::workbook::neutralise(s)
}

/// A registered person hired in Jining in January 2020 and still there, with their full
/// months at 2020-12-31, found with a query (so the test holds for any sample data).
fn january_hire(wh: &str) -> (String, i64) {
    let tmp = tempfile::tempdir().unwrap();
    let sql = tmp.path().join("q.sql");
    std::fs::write(&sql, "SELECT j.id_number, j.full_months FROM jining AS j INNER JOIN registered AS r ON j.id_number = r.id_number WHERE j.hire_date >= DATE('2020-01-01') AND j.hire_date <= DATE('2020-01-31') AND j.leave_date IS NULL ORDER BY j.id_number LIMIT 1").unwrap();
    let o = luyu(&[
        "query",
        sql.to_str().unwrap(),
        "--as-of",
        "2020-12",
        "--warehouse",
        wh,
    ]);
    let out = stdout(&o);
    let line = out.lines().nth(1).expect("a January hire in the samples");
    let (id, months) = line.split_once('\t').unwrap();
    (id.to_string(), months.parse().unwrap())
}

#[test]
fn explain_tells_one_persons_story() {
    let wh = warehouse();
    let (id, months) = january_hire(wh);
    let o = luyu(&["explain", &id, "--as-of", "2020-12", "--warehouse", wh]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("名册：在册，建档立卡"), "{out}");
    assert!(out.contains("转移到济宁就业：计入"), "{out}");
    assert!(out.contains(&format!("稳定就业 {months} 个整月")), "{out}");
    assert!(
        out.contains("一次性交通伙食补助"),
        "paid A1 after 3 months: {out}"
    );
    let mut bad = id.clone();
    let last = if bad.ends_with('1') { "2" } else { "1" };
    bad.replace_range(17.., last);
    let o = luyu(&["explain", &bad, "--as-of", "2020-12", "--warehouse", wh]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("校验位错误"), "{}", stderr(&o));
}

#[test]
fn explain_shows_each_monthly_version_of_the_rows() {
    let wh = warehouse();
    let (id, _) = january_hire(wh);
    let out = stdout(&luyu(&[
        "explain",
        &id,
        "--as-of",
        "2020-12",
        "--warehouse",
        wh,
    ]));
    assert!(out.contains("2020-01 来济就业台账 济宁"), "{out}");
    assert!(out.contains("+ 新增"), "{out}");
    assert!(
        out.contains("~ 修改") && out.contains("社保缴纳月数："),
        "{out}"
    );
}

/// A computation says nothing on stderr but what luyu itself writes: no library's warning (a
/// Polars deprecation notice reached the clerks' terminal once) and no panic message.
#[test]
fn a_computation_writes_no_library_warnings() {
    let wh = warehouse();
    for args in [
        &["summary", "--as-of", "2020-12", "--warehouse", wh][..],
        &["audit", "--as-of", "2020-12", "--warehouse", wh][..],
    ] {
        let o = luyu(args);
        assert!(o.status.success(), "{}", stderr(&o));
        let err = stderr(&o);
        for noise in ["Deprecation", "deprecated", "panicked", "warning"] {
            assert!(!err.contains(noise), "{args:?} wrote “{noise}”: {err}");
        }
    }
}
