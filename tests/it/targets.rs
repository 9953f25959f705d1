//! Target counting rules on hand-made exports, each figure worked out by hand below.
//!
//! Persons (all in the 万州 registry except P8; P5 has 是否建档立卡 = 否):
//! - P1: Jining 2020-01-31, open (11 full months at 12-31); local 企业吸纳 2020-03-01.
//! - P2: Jining 2019-12-31 (before the window), training from 2020-12-20 for 12 days →
//!   completes 12-31 (trained); a local row of 2020-05-01 in November, withdrawn in December.
//! - P3: Jining 2020-01-01 → 2020-03-31 (exactly 3 full months); help 技能培训 ending 12-31.
//! - P4: Jining 2020-01-31 → 2020-04-28 (one day short of 3 months: 2 full months).
//! - P5: 是否建档立卡 = 否, Jining 2020-05-01: not counted. P8: not in the registry: not counted.
//! - P6: Jining 2020-06-01, open (7 full months); training 2020-12-25 + 10 days → 2021-01-03,
//!   after the window; 转移就业/济宁 in the help ledger (Wanzhou's record, not counted).
//! - P7: help 技能培训 ending 2020-01-01 (trained); 公益性岗位 from 2019-12-31 (not counted);
//!   a Jining spell in the first December file that the corrected file withdraws.
//!
//! As of 2020-12: transferred {P1,P3,P4,P6} = 4; local {P1} = 1; trained {P2,P3,P7} = 3;
//! helped = 6; category sum 8; overlap {P1,P3} = 2; stable ≥3: {P1,P3,P6} = 3, ≥6: {P1,P6} = 2.
//! As of 2020-11 (no Jining snapshot yet): local {P1,P2} = 2; trained {P7} = 1 (P3's training
//! ends after the window's end 11-30); helped 3; expected helped ⌈520 × 11 / 12⌉ = 477.

use super::{json, luyu, stderr, stdout, write};

const P: [&str; 9] = [
    "",
    "500101199001010018",
    "500101199001020013",
    "500101199001030019",
    "500101199001040014",
    "50010119900105001X",
    "500101199001060015",
    "500101199001070010",
    "500101199001080016",
];

fn registry(month: &str) -> String {
    let mut s = format!(
        "万州区{month}贫困劳动力名册\n序号,所属月份,身份证号,姓名,性别,乡镇（街道）,是否建档立卡\n"
    );
    for (i, id) in P.iter().enumerate().take(8).skip(1) {
        let yes = if i == 5 { "否" } else { "是" };
        let gender = if i % 2 == 0 { "女" } else { "男" };
        s.push_str(&format!("{i},{month},{id},人员{i},{gender},龙沙镇,{yes}\n"));
    }
    s
}

fn help(month: &str, with_p2_local: bool, with_p3_training: bool) -> String {
    let mut s = format!("万州区{month}就业帮扶台账\n序号,所属月份,身份证号,姓名,帮扶类型,帮扶方式,单位名称,开始日期,结束日期,劳动合同,社保缴纳月数,培训天数\n");
    s.push_str(&format!(
        "1,{month},{},人员1,就地就近就业,企业吸纳,万州某公司,2020-03-01,,是,3,\n",
        P[1]
    ));
    s.push_str(&format!(
        "2,{month},{},人员7,技能培训,岗前培训,某培训学校,2019-12-20,2020-01-01,,,10\n",
        P[7]
    ));
    s.push_str(&format!(
        "3,{month},{},人员7,就地就近就业,公益性岗位,某街道,2019-12-31,,,,\n",
        P[7]
    ));
    s.push_str(&format!(
        "4,{month},{},人员6,转移就业,济宁,济宁某公司,2020-06-01,,,,\n",
        P[6]
    ));
    if with_p2_local {
        s.push_str(&format!(
            "5,{month},{},人员2,就地就近就业,扶贫车间,某车间,2020-05-01,,否,,\n",
            P[2]
        ));
    }
    if with_p3_training {
        s.push_str(&format!(
            "6,{month},{},人员3,技能培训,专项技能培训,某培训学校,2020-12-01,2020-12-31,,,20\n",
            P[3]
        ));
    }
    s
}

fn jining(fill_date: &str, with_p7: bool) -> String {
    let mut s = format!("济宁市2020年12月来济就业台账\n填报日期：{fill_date}\n序号,所属月份,身份证号,姓名,就业县（市、区）,用工单位,入职日期,离职日期,劳动合同期限（月）,社保缴纳月数,就业登记,培训开始日期,培训天数\n");
    let rows = [
        (1, "兖州区", "2020-01-31", "", "", ""),
        (2, "任城区", "2019-12-31", "", "2020-12-20", "12"),
        (3, "兖州区", "2020-01-01", "2020-03-31", "", ""),
        (4, "金乡县", "2020-01-31", "2020-04-28", "", ""),
        (5, "金乡县", "2020-05-01", "", "", ""),
        (6, "泗水县", "2020-06-01", "", "2020-12-25", "10"),
        (8, "泗水县", "2020-05-01", "", "", ""),
    ];
    for (n, (i, county, hire, leave, ts, td)) in rows.iter().enumerate() {
        s.push_str(&format!(
            "{},2020-12,{},人员{i},{county},济宁某公司,{hire},{leave},12,3,是,{ts},{td}\n",
            n + 1,
            P[*i]
        ));
    }
    if with_p7 {
        s.push_str(&format!(
            "9,2020-12,{},人员7,任城区,济宁某公司,2020-07-01,,12,3,是,,\n",
            P[7]
        ));
    }
    s
}

fn summary(wh: &str, month: &str) -> serde_json::Value {
    json(&["summary", "--as-of", month, "--warehouse", wh])
}

#[test]
fn counting_rules_on_hand_computed_fixtures() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(d, "名册11月.csv", &registry("2020年11月"));
    write(d, "名册12月.csv", &registry("2020年12月"));
    write(d, "台账11月.csv", &help("2020年11月", true, true));
    write(d, "台账12月.csv", &help("2020年12月", false, true));
    write(d, "来济12月.csv", &jining("2021年1月5日", true));
    write(d, "来济12月（更正）.csv", &jining("2021年1月9日", false));
    let wh = d.join("wh");
    let wh = wh.to_str().unwrap();
    let o = luyu(&["ingest", d.to_str().unwrap(), "--warehouse", wh]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));

    let s = summary(wh, "2020-12");
    let t = &s["targets"];
    assert_eq!(t["transferred"]["actual"], 4);
    assert_eq!(t["local"]["actual"], 1);
    assert_eq!(t["trained"]["actual"], 3);
    assert_eq!(t["helped"]["actual"], 6);
    assert_eq!(t["helped"]["expected"], 520);
    assert_eq!(t["helped"]["status"], "滞后");
    assert_eq!(t["helped"]["projection"], 6.0);
    assert_eq!(s["category_sum"], 8);
    assert_eq!(s["overlap"], 2);
    assert_eq!(s["transferred_stable"]["3"], 3);
    assert_eq!(s["transferred_stable"]["6"], 2);
    // P5 (否) and P8 (absent) hired in the window; P7's spell was withdrawn by the correction.
    assert_eq!(s["findings"]["by_rule"]["unregistered_person"], 2);

    let s = summary(wh, "2020-11");
    let t = &s["targets"];
    assert_eq!(t["transferred"]["actual"], 0);
    assert_eq!(t["local"]["actual"], 2);
    assert_eq!(t["trained"]["actual"], 1);
    assert_eq!(t["helped"]["actual"], 3);
    assert_eq!(t["helped"]["expected"], 477);
    assert_eq!(t["local"]["expected"], 211); // ⌈230 × 11 / 12⌉ = ⌈210.83⌉
    assert_eq!(t["helped"]["projection"], 3.27); // 3 × 12 / 11 = 3.2727…

    // The series as of 2020-12 uses the December snapshots with each month's window end.
    let p = json(&[
        "progress",
        "--as-of",
        "2020-12",
        "--json",
        "--warehouse",
        wh,
    ]);
    assert_eq!(p["series"][0]["trained"], 1); // January: P7 (ended 01-01)
    assert_eq!(p["series"][0]["transferred"], 3); // P1, P3, P4 hired in January
    assert_eq!(p["series"][5]["transferred"], 4); // June: P6 too
    assert_eq!(p["by_county"]["兖州区"], 2);

    // Reconciliation: P6 is recorded by both sides; P1..P4 by Jining only.
    let o = luyu(&["reconcile", "--as-of", "2020-12", "--warehouse", wh]);
    let out = stdout(&o);
    assert!(
        out.contains("四、同时计入两类或三类的人员（2 人）"),
        "{out}"
    );
    assert!(
        out.contains("500101********0018：转移就业、就地就近就业"),
        "{out}"
    );
    assert!(!out.contains(P[1]), "IDs are masked");
}
