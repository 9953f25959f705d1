//! Every check on payments, on hand-made exports, with the amounts worked out by hand.
//!
//! P1: in Jining from 2020-01-01 (12 full months at 12-31), gate met, 中级 training from
//!     02-10 with a certificate, 以工代训 45 days. P2: in Jining from 2020-01-01, training of
//!     61 days. P3, P4: 技能培训 of 20 days in Wanzhou. P5: a 公益性岗位 from 2020-12-01.
//!
//! Payments (December 2020), with what each must give:
//! - A2 to P1, 7 months, 7000: entitled 6 × 1000 = 6000 → over_entitlement (+1000).
//! - A7 to P3, 20 days, 999.80: 999.80 ÷ 20 = 49.99 a day < 50 → below_floor.
//! - A7 to P4, 20 days, 1000.00: 50 a day → nothing.
//! - B3 to P1's employer, 1500.01: 中级 cap 1500 → over_entitlement (+0.01);
//!   B5 to P1's employer, 1000 → with B3: stacked_training, and neither is not_eligible.
//! - B4 to P2, 61 days, 61 × 47.72 = 2910.92: cap 60 days = 2863.20 → over_entitlement.
//! - A1 to P1 exported twice with the same content → duplicate_voucher, counted once.
//! - A6 to P3 exported twice, 1200 then 1300 → voucher_conflict; the first row (1200) counts.
//! - A5 (援助资金's) paid from 就业补助资金 and B2 (就业补助资金's) from 援助资金 → 2 wrong_pool.
//! - A1 to P2 dated 2022-01-01 → out_of_period (after the policy and after its export month).
//!
//! Spend: 援助资金 7000 + 999.80 + 1000 + 1500 + 1200 + 990 + 1500 = 14189.80 in 7 payments;
//! 就业补助资金 1500.01 + 1000 + 2910.92 + 990 = 6400.93 in 4 payments.

use super::{json, luyu, stderr, stdout, write};

const P: [&str; 6] = [
    "",
    "500101199001010018",
    "500101199001020013",
    "500101199001030019",
    "500101199001040014",
    "50010119900105001X",
];
const CODE: &str = "91370812MADJPGD78U";

fn files(dir: &std::path::Path) {
    let mut reg = String::from("序号,所属月份,身份证号,姓名,乡镇（街道）,是否建档立卡\n");
    for (i, id) in P.iter().enumerate().skip(1) {
        reg.push_str(&format!("{i},2020-12,{id},人员{i},龙沙镇,是\n"));
    }
    write(dir, "名册.csv", &reg);
    write(
        dir,
        "台账.csv",
        &format!(
            "序号,所属月份,身份证号,姓名,帮扶类型,帮扶方式,单位名称,开始日期,结束日期,培训天数\n\
         1,2020-12,{},人员3,技能培训,岗前培训,某学校,2020-11-01,2020-11-20,20\n\
         2,2020-12,{},人员4,技能培训,岗前培训,某学校,2020-11-01,2020-11-20,20\n\
         3,2020-12,{},人员5,就地就近就业,公益性岗位,某街道,2020-12-01,,\n",
            P[3], P[4], P[5]
        ),
    );
    write(dir, "来济.csv", &format!(
        "序号,所属月份,身份证号,姓名,就业县（市、区）,用工单位,统一社会信用代码,入职日期,离职日期,劳动合同期限（月）,社保缴纳月数,就业登记,培训等级,培训开始日期,培训天数,取得证书,以工代训天数\n\
         1,2020-12,{},人员1,兖州区,济宁某公司,{CODE},2020-01-01,,12,11,是,中级,2020-02-10,20,是,45\n\
         2,2020-12,{},人员2,兖州区,济宁某公司,{CODE},2020-01-01,,12,11,是,初级,2020-03-01,61,否,\n",
        P[1], P[2]
    ));
    let pay = |n: usize,
               region: &str,
               pool: &str,
               item: &str,
               kind: &str,
               payee: &str,
               linked: &str,
               amount: &str,
               date: &str,
               months: &str,
               days: &str,
               voucher: &str| {
        format!("{n},2020-12,{region},{pool},{item},{kind},对象{},{payee},{linked},{amount},{date},{months},{days},{voucher}\n", &payee[payee.len() - 4..])
    };
    let head = "序号,所属月份,发放地区,资金来源,补贴项目,对象类型,对象名称,对象证件号码,关联身份证号,金额,发放日期,补贴月数,补贴天数,凭证号\n";
    let mut wz = String::from(head);
    wz.push_str(&pay(
        1,
        "万州",
        "援助资金",
        "跨省就业补贴",
        "个人",
        P[1],
        "",
        "7000",
        "2020-12-05",
        "7",
        "",
        "WZ-1",
    ));
    wz.push_str(&pay(
        2,
        "万州",
        "援助资金",
        "培训生活费补贴",
        "个人",
        P[3],
        "",
        "999.80",
        "2020-12-05",
        "",
        "20",
        "WZ-2",
    ));
    wz.push_str(&pay(
        3,
        "万州",
        "援助资金",
        "培训生活费补贴",
        "个人",
        P[4],
        "",
        "1000.00",
        "2020-12-05",
        "",
        "20",
        "WZ-3",
    ));
    wz.push_str(&pay(
        4,
        "万州",
        "援助资金",
        "一次性交通伙食补助",
        "个人",
        P[1],
        "",
        "1500",
        "2020-12-06",
        "",
        "",
        "WZ-4",
    ));
    wz.push_str(&pay(
        5,
        "万州",
        "援助资金",
        "一次性交通伙食补助",
        "个人",
        P[1],
        "",
        "1500",
        "2020-12-06",
        "",
        "",
        "WZ-4",
    ));
    wz.push_str(&pay(
        6,
        "万州",
        "援助资金",
        "培训补贴",
        "单位",
        CODE,
        P[3],
        "1200",
        "2020-12-07",
        "",
        "",
        "WZ-5",
    ));
    wz.push_str(&pay(
        7,
        "万州",
        "援助资金",
        "培训补贴",
        "单位",
        CODE,
        P[3],
        "1300",
        "2020-12-07",
        "",
        "",
        "WZ-5",
    ));
    wz.push_str(&pay(
        8,
        "万州",
        "援助资金",
        "岗位补贴",
        "单位",
        CODE,
        P[1],
        "990",
        "2020-12-08",
        "1",
        "",
        "WZ-6",
    ));
    wz.push_str(&pay(
        9,
        "万州",
        "援助资金",
        "一次性交通伙食补助",
        "个人",
        P[2],
        "",
        "1500",
        "2022-01-01",
        "",
        "",
        "WZ-7",
    ));
    write(dir, "万州发放.csv", &wz);
    let mut jn = String::from(head);
    jn.push_str(&pay(
        1,
        "济宁",
        "就业补助资金",
        "职业培训补贴",
        "单位",
        CODE,
        P[1],
        "1500.01",
        "2020-12-10",
        "",
        "",
        "JN-1",
    ));
    jn.push_str(&pay(
        2,
        "济宁",
        "就业补助资金",
        "以工代训补贴",
        "单位",
        CODE,
        P[1],
        "1000",
        "2020-12-10",
        "",
        "",
        "JN-2",
    ));
    jn.push_str(&pay(
        3,
        "济宁",
        "就业补助资金",
        "培训生活补贴",
        "个人",
        P[2],
        "",
        "2910.92",
        "2020-12-10",
        "",
        "61",
        "JN-3",
    ));
    jn.push_str(&pay(
        4,
        "济宁",
        "就业补助资金",
        "公益性岗位补贴",
        "个人",
        P[5],
        "",
        "990",
        "2020-12-11",
        "1",
        "",
        "JN-4",
    ));
    write(dir, "济宁发放.csv", &jn);
}

#[test]
fn every_payment_check_on_hand_computed_fixtures() {
    let tmp = tempfile::tempdir().unwrap();
    files(tmp.path());
    let wh = tmp.path().join("wh");
    let wh = wh.to_str().unwrap();
    let o = luyu(&["ingest", tmp.path().to_str().unwrap(), "--warehouse", wh]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));

    let s = json(&["summary", "--as-of", "2020-12", "--warehouse", wh]);
    let rules = &s["findings"]["by_rule"];
    let expected = [
        ("over_entitlement", 3),
        ("below_floor", 1),
        ("stacked_training", 1),
        ("duplicate_voucher", 1),
        ("voucher_conflict", 1),
        ("wrong_pool", 2),
        ("out_of_period", 1),
        ("not_eligible", 0),
        ("unknown_item", 0),
        ("unregistered_person", 0),
        ("invalid_id", 0),
    ];
    for (rule, n) in expected {
        assert_eq!(
            rules[rule],
            n,
            "{rule}: {}",
            serde_json::to_string_pretty(rules).unwrap()
        );
    }
    let aid = &s["spend"]["援助资金"];
    assert_eq!(
        (aid["paid"].as_str(), aid["payments"].as_i64()),
        (Some("14189.80"), Some(7))
    );
    assert_eq!(
        aid["by_item"]["培训补贴"]["paid"], "1200.00",
        "the first row of a conflicting voucher counts"
    );
    let emp = &s["spend"]["就业补助资金"];
    assert_eq!(
        (emp["paid"].as_str(), emp["payments"].as_i64()),
        (Some("6400.93"), Some(4))
    );

    // Each finding carries paid, entitled and the difference.
    let a = json(&["audit", "--as-of", "2020-12", "--json", "--warehouse", wh]);
    let list = a["list"].as_array().unwrap();
    let find = |rule: &str, item: &str| {
        list.iter()
            .find(|f| f["rule"] == rule && f["item"] == item)
            .unwrap_or_else(|| panic!("{rule} {item}"))
    };
    let f = find("over_entitlement", "跨省就业补贴");
    assert_eq!(
        (
            f["paid"].as_str(),
            f["entitled"].as_str(),
            f["difference"].as_str()
        ),
        (Some("7000.00"), Some("6000.00"), Some("1000.00"))
    );
    assert_eq!(f["clause"], "四(一)1");
    let f = find("over_entitlement", "职业培训补贴");
    assert_eq!(f["difference"], "0.01");
    let f = find("over_entitlement", "培训生活补贴");
    assert_eq!(f["entitled"], "2863.20");
    let f = find("below_floor", "培训生活费补贴");
    assert!(
        f["message"].as_str().unwrap().contains("49.99 元/天"),
        "{}",
        f["message"]
    );
    assert!(
        !list
            .iter()
            .any(|f| f["payee"].as_str().is_some_and(luyu::ids::looks_like_id)),
        "payees are masked"
    );
}
