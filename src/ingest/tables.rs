//! The five tables of exports.md, and the follow-up workbook the counties and townships send
//! back (整改反馈): their columns, which are key (bold), how each cell is typed, and the
//! signature that recognises a table from its header row.
//!
//! Warehouse column names are English identifiers (for SQL in `queries/`); `header` is the
//! Chinese column name as the clerks write it, normalised by [`normalise_header`].

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ingest::cells::halfwidth;

/// In the manifest by its warehouse name (`registry`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Table {
    Registry,
    Help,
    Jining,
    Workshops,
    Payments,
    /// A returned follow-up workbook (`luyu audit --xlsx` with its answer columns filled in).
    Answers,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// A 身份证号: a failing one rejects the row.
    Id,
    /// 对象证件号码: a 身份证号 when the payee is a person, else a credit code.
    PayeeId,
    /// A 统一社会信用代码: a failing checksum is a finding, the row is kept.
    CreditCode,
    Month,
    Date,
    Bool,
    Money,
    Count,
    /// `济宁` or `万州`.
    Region,
    /// 整改情况: `已整改`, `整改中` or `无法整改`.
    Status,
}

pub struct Column {
    pub name: &'static str,
    pub header: &'static str,
    pub kind: Kind,
    pub key: bool,
}

const fn col(name: &'static str, header: &'static str, kind: Kind, key: bool) -> Column {
    Column {
        name,
        header,
        kind,
        key,
    }
}

use Kind::*;

const REGISTRY: &[Column] = &[
    col("month", "所属月份", Month, true),
    col("id_number", "身份证号", Id, true),
    col("name", "姓名", Text, false),
    col("gender", "性别", Text, false),
    col("township", "乡镇(街道)", Text, false),
    col("village", "村(社区)", Text, false),
    col("registered", "是否建档立卡", Bool, true),
    col("work_ability", "劳动能力", Text, false),
    col("phone", "联系电话", Text, false),
];

const HELP: &[Column] = &[
    col("month", "所属月份", Month, true),
    col("id_number", "身份证号", Id, true),
    col("name", "姓名", Text, false),
    col("help_type", "帮扶类型", Text, true),
    col("help_mode", "帮扶方式", Text, false),
    col("employer", "单位名称", Text, false),
    col("credit_code", "统一社会信用代码", CreditCode, false),
    col("start_date", "开始日期", Date, true),
    col("end_date", "结束日期", Date, false),
    col("contract", "劳动合同", Bool, false),
    col("social_months", "社保缴纳月数", Count, false),
    col("training_level", "培训等级", Text, false),
    col("training_days", "培训天数", Count, false),
    col("certificate", "取得证书", Bool, false),
];

const JINING: &[Column] = &[
    col("month", "所属月份", Month, true),
    col("id_number", "身份证号", Id, true),
    col("name", "姓名", Text, false),
    col("county", "就业县(市、区)", Text, true),
    col("employer", "用工单位", Text, true),
    col("credit_code", "统一社会信用代码", CreditCode, false),
    col("hire_date", "入职日期", Date, true),
    col("leave_date", "离职日期", Date, false),
    col("contract_months", "劳动合同期限(月)", Count, false),
    col("social_months", "社保缴纳月数", Count, false),
    col("employment_registered", "就业登记", Bool, false),
    col("training_level", "培训等级", Text, false),
    col("training_start", "培训开始日期", Date, false),
    col("training_days", "培训天数", Count, false),
    col("certificate", "取得证书", Bool, false),
    col("work_training_days", "以工代训天数", Count, false),
];

const WORKSHOPS: &[Column] = &[
    col("month", "所属月份", Month, true),
    col("region", "所在地区", Region, true),
    col("name", "车间名称", Text, true),
    col("credit_code", "统一社会信用代码", CreditCode, false),
    col("recognised_date", "认定日期", Date, false),
    col("staff_total", "职工总数", Count, false),
    col("absorbed", "吸纳建档立卡人数", Count, false),
];

const PAYMENTS: &[Column] = &[
    col("month", "所属月份", Month, true),
    col("region", "发放地区", Region, true),
    col("pool", "资金来源", Text, true),
    col("item", "补贴项目", Text, true),
    col("payee_type", "对象类型", Text, false),
    col("payee_name", "对象名称", Text, false),
    col("payee_id", "对象证件号码", PayeeId, false),
    col("linked_id", "关联身份证号", Id, false),
    col("amount_fen", "金额", Money, true),
    col("pay_date", "发放日期", Date, true),
    col("months_paid", "补贴月数", Count, false),
    col("days_paid", "补贴天数", Count, false),
    col("voucher", "凭证号", Text, true),
];

/// The follow-up workbook as `audit --xlsx` writes it; a county fills in the last three.
const ANSWERS: &[Column] = &[
    col("finding_id", "问题编号", Text, true),
    col("region", "所在地区", Region, false),
    col("unit", "责任单位", Text, false),
    col("rule", "问题类型", Text, false),
    col("status", "整改情况", Status, false),
    col("measures", "整改措施", Text, false),
    col("done_date", "整改完成日期", Date, false),
];

/// The five monthly exports (the ones expected every month, for completeness).
pub const ALL: [Table; 5] = [
    Table::Registry,
    Table::Help,
    Table::Jining,
    Table::Workshops,
    Table::Payments,
];

/// Every kind of file ingest recognises: the returned follow-up workbook, then the exports.
/// The workbook first: it also carries 凭证号 and 补贴项目 (a payments signature), while no
/// export has 问题编号 and 整改情况.
pub const RECOGNISED: [Table; 6] = [
    Table::Answers,
    Table::Registry,
    Table::Help,
    Table::Jining,
    Table::Workshops,
    Table::Payments,
];

impl Table {
    pub fn columns(self) -> &'static [Column] {
        match self {
            Table::Registry => REGISTRY,
            Table::Help => HELP,
            Table::Jining => JINING,
            Table::Workshops => WORKSHOPS,
            Table::Payments => PAYMENTS,
            Table::Answers => ANSWERS,
        }
    }

    /// The header cells that recognise the table (exports.md, "recognised by").
    pub fn signature(self) -> &'static [&'static str] {
        match self {
            Table::Registry => &["是否建档立卡"],
            Table::Help => &["帮扶类型"],
            Table::Jining => &["用工单位", "入职日期"],
            Table::Workshops => &["车间名称"],
            Table::Payments => &["凭证号", "补贴项目"],
            Table::Answers => &["问题编号", "整改情况"],
        }
    }

    /// Identifier used in the warehouse paths and on the command line.
    pub fn code(self) -> &'static str {
        match self {
            Table::Registry => "registry",
            Table::Help => "help",
            Table::Jining => "jining",
            Table::Workshops => "workshops",
            Table::Payments => "payments",
            Table::Answers => "answers",
        }
    }

    pub fn from_code(s: &str) -> Option<Table> {
        RECOGNISED
            .into_iter()
            .find(|t| t.code() == s || t.chinese() == s)
    }

    pub fn chinese(self) -> &'static str {
        match self {
            Table::Registry => "贫困劳动力名册",
            Table::Help => "就业帮扶台账",
            Table::Jining => "来济就业台账",
            Table::Workshops => "扶贫车间名册",
            Table::Payments => "补贴发放明细",
            Table::Answers => "整改反馈",
        }
    }

    /// A full snapshot each month (else incremental: 补贴发放明细, 整改反馈).
    pub fn cumulative(self) -> bool {
        !matches!(self, Table::Payments | Table::Answers)
    }

    /// Whether a second file for the same (table, region, month) corrects the first. Not for
    /// 整改反馈: each county and township sends back its own part of the same month's list.
    pub fn corrected_by_next(self) -> bool {
        self != Table::Answers
    }

    /// The columns of which a row must fill one to be data (else it is an unanswered row of a
    /// returned follow-up list); empty: any column.
    pub fn reply_columns(self) -> &'static [&'static str] {
        match self {
            Table::Answers => &["status", "measures", "done_date"],
            _ => &[],
        }
    }

    /// The side that sends the table, when only one does.
    pub fn fixed_region(self) -> Option<Region> {
        match self {
            Table::Registry | Table::Help => Some(Region::Wanzhou),
            Table::Jining => Some(Region::Jining),
            Table::Workshops | Table::Payments | Table::Answers => None,
        }
    }

    /// The regions that send the table, for completeness checks.
    pub fn regions(self) -> &'static [Region] {
        match self {
            Table::Registry | Table::Help => &[Region::Wanzhou],
            Table::Jining => &[Region::Jining],
            Table::Workshops | Table::Payments => &[Region::Jining, Region::Wanzhou],
            Table::Answers => &[],
        }
    }

    /// Columns that identify a row across monthly snapshots (for `diff`).
    pub fn natural_key(self) -> &'static [&'static str] {
        match self {
            Table::Registry => &["id_number"],
            Table::Help => &["id_number", "help_type", "employer", "start_date"],
            Table::Jining => &["id_number", "employer", "hire_date"],
            Table::Workshops => &["region", "name"],
            Table::Payments => &["voucher"],
            Table::Answers => &["finding_id"],
        }
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.chinese())
    }
}

/// In the manifest by its Chinese short name (济宁 / 万州).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Region {
    #[serde(rename = "济宁")]
    Jining,
    #[serde(rename = "万州")]
    Wanzhou,
}

impl Region {
    pub fn chinese(self) -> &'static str {
        match self {
            Region::Jining => "济宁",
            Region::Wanzhou => "万州",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Region::Jining => "jining",
            Region::Wanzhou => "wanzhou",
        }
    }

    /// `济宁`, `济宁市`, `万州区`, … as written in a cell or a title.
    pub fn parse(s: &str) -> Option<Region> {
        let s = s.trim();
        match s {
            "济宁" | "济宁市" | "jining" => Some(Region::Jining),
            "万州" | "万州区" | "wanzhou" => Some(Region::Wanzhou),
            _ => None,
        }
    }

    /// The region a title line names, if it names exactly one.
    pub fn named_in(s: &str) -> Option<Region> {
        match (s.contains("济宁"), s.contains("万州")) {
            (true, false) => Some(Region::Jining),
            (false, true) => Some(Region::Wanzhou),
            _ => None,
        }
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.chinese())
    }
}

/// A header cell in its comparable form: trimmed, half-width brackets, no spaces, no trailing
/// required-field `*`.
pub fn normalise_header(s: &str) -> String {
    halfwidth(s)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .trim_end_matches('*')
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_spellings() {
        assert_eq!(normalise_header(" 乡镇（街道）* "), "乡镇(街道)");
        assert_eq!(normalise_header("就业县(市、区)  "), "就业县(市、区)");
        assert_eq!(normalise_header(" 劳动合同期限(月) "), "劳动合同期限(月)");
        assert_eq!(normalise_header("所属月份＊"), "所属月份");
    }

    #[test]
    fn canonical_headers_are_normal() {
        for t in ALL {
            for c in t.columns() {
                assert_eq!(normalise_header(c.header), c.header);
            }
        }
    }
}
