//! Crashes and concurrency: an ingest killed with SIGKILL at random moments leaves a warehouse
//! that reads, and the next ingest completes with nothing missing or doubled; two ingests at
//! once never corrupt it.
//!
//! `LUYU_CRASH_RUNS` sets how many kills (default 6 in `make test`; `make crash` runs 100).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{json, luyu, repo, stderr, stdout};

fn summary(wh: &str) -> serde_json::Value {
    json(&["summary", "--as-of", "2020-12", "--warehouse", wh])
}

fn ingest_cmd(paths: &[&str], wh: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_luyu"));
    c.arg("ingest")
        .args(paths)
        .args(["--warehouse", wh])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

#[test]
fn an_ingest_killed_at_any_moment_loses_and_doubles_nothing() {
    let runs: u64 = std::env::var("LUYU_CRASH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6);
    let samples = repo().join("data-samples");
    let samples = samples.to_str().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    // The reference: an ingest left alone; and how long it takes.
    let reference_wh = tmp.path().join("reference");
    let started = Instant::now();
    let o = luyu(&[
        "ingest",
        samples,
        "--warehouse",
        reference_wh.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stdout(&o));
    let full = started.elapsed();
    let reference = summary(reference_wh.to_str().unwrap());

    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut killed_mid_way = 0;
    for run in 0..runs {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let wh = tmp.path().join(format!("wh{run}"));
        let wh = wh.to_str().unwrap().to_string();
        // Half the runs kill a first ingest into an empty warehouse; the others kill a second
        // ingest (the same files again, then a correction) into a full one.
        if run % 2 == 1 {
            assert!(luyu(&["ingest", samples, "--warehouse", &wh])
                .status
                .success());
        }
        let mut child = ingest_cmd(&[samples], &wh).spawn().unwrap();
        // Kill within the first 90% of a full ingest, so that most kills land mid-way.
        let wait = Duration::from_micros(seed % (full.as_micros() as u64 * 9 / 10 + 1));
        std::thread::sleep(wait);
        if child.try_wait().unwrap().is_none() {
            killed_mid_way += 1;
        }
        let _ = child.kill(); // SIGKILL on Unix
        let _ = child.wait();
        // What is there reads: the manifest parses and a summary can be made from it.
        if std::path::Path::new(&wh).join("manifest.json").exists() {
            let o = luyu(&["summary", "--as-of", "2020-12", "--warehouse", &wh]);
            assert!(
                o.status.success(),
                "run {run}: the warehouse does not read after a kill: {}",
                stderr(&o)
            );
        }
        // The next ingest completes (taking over the dead process's lock) and the figures are
        // exactly those of an ingest never interrupted.
        let o = luyu(&["ingest", samples, "--warehouse", &wh]);
        assert!(
            o.status.success(),
            "run {run}: {}{}",
            stdout(&o),
            stderr(&o)
        );
        assert_eq!(
            summary(&wh),
            reference,
            "run {run}: figures differ after a kill at {wait:?}"
        );
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(format!("{wh}/manifest.json")).unwrap()).unwrap();
        let current = manifest["exports"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["replaced_by"].is_null())
            .count();
        assert_eq!(
            current as i64,
            reference["data_quality"]["files"].as_i64().unwrap(),
            "run {run}: current exports"
        );
    }
    eprintln!("{runs} kills, {killed_mid_way} while the ingest was still running");
}

#[test]
fn two_ingests_at_once_never_corrupt_the_warehouse() {
    let samples = repo().join("data-samples");
    let tmp = tempfile::tempdir().unwrap();
    let wh = tmp.path().join("wh");
    let wh = wh.to_str().unwrap();
    // Split the samples in two halves, ingested at the same moment: the rosters (名册, with the
    // corrected re-export beside its original) and the rest.
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    let mut names: Vec<_> = std::fs::read_dir(&samples)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    for p in &names {
        let roster = p.to_string_lossy().contains("名册");
        std::fs::copy(p, if roster { &a } else { &b }.join(p.file_name().unwrap())).unwrap();
    }
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    let mut first = Command::new(env!("CARGO_BIN_EXE_luyu"));
    first.args(["ingest", a, "--warehouse", wh]);
    let mut second = Command::new(env!("CARGO_BIN_EXE_luyu"));
    second.args(["ingest", b, "--warehouse", wh]);
    let h1 = std::thread::spawn(move || first.output().unwrap());
    let h2 = std::thread::spawn(move || second.output().unwrap());
    let (o1, o2) = (h1.join().unwrap(), h2.join().unwrap());
    for (o, dir) in [(&o1, a), (&o2, b)] {
        if o.status.code() == Some(2) {
            assert!(
                stderr(o).contains("另一个 luyu 导入正在写入仓库"),
                "{}",
                stderr(o)
            );
            // Refused: it is simply run again.
            assert!(luyu(&["ingest", dir, "--warehouse", wh]).status.success());
        } else {
            assert!(o.status.success(), "{}{}", stdout(o), stderr(o));
        }
    }
    let reference_wh = tmp.path().join("reference");
    assert!(luyu(&[
        "ingest",
        samples.to_str().unwrap(),
        "--warehouse",
        reference_wh.to_str().unwrap()
    ])
    .status
    .success());
    // Same files, same figures.
    assert_eq!(summary(wh), summary(reference_wh.to_str().unwrap()));
}
