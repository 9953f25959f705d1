//! Integration tests: the real `luyu` binary on real files. One test crate (one link).

mod acceptance;
mod bad_inputs;
mod commands;
mod crash;
mod generate;
mod ingest;
mod money;
mod office;
mod report;
mod serve;
mod supervision;
mod targets;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn luyu(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_luyu"))
        .args(args)
        .env_remove("LUYU_WAREHOUSE")
        .output()
        .expect("the luyu binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs luyu and parses what it prints as JSON (the command must succeed).
pub fn json(args: &[&str]) -> serde_json::Value {
    let o = luyu(args);
    assert!(
        o.status.success(),
        "luyu {}: {}",
        args.join(" "),
        stderr(&o)
    );
    serde_json::from_slice(&o.stdout).expect("JSON on stdout")
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// A small registry and help ledger, as CSV text.
pub const REGISTRY_03: &str = "万州区2020年3月贫困劳动力名册\n填报日期：2020年4月3日\n序号,所属月份,身份证号,姓名,乡镇（街道）,是否建档立卡\n1,2020-03,11010519491231002X,张三明,龙沙镇,是\n2,2020-03,500101198009018597,王东,燕山乡,是\n3,2020-03,500101198009018598,李四,燕山乡,是\n合计,,,,,\n";
