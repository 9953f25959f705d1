//! A reproducible generator of realistic exports: all five tables, both regions, 2020-01 to
//! 2020-12, with the quirks of spec/exports.md — xlsx with title rows, GB18030 and BOM csv,
//! shuffled and re-spelled headers, mixed date forms, 合计 rows, a corrected re-export, a
//! withdrawn row, duplicate and conflicting vouchers, bad IDs, an empty payment month — and a
//! scale knob (`persons`) for benchmarks.
//!
//! Every person's facts come from a hash of (seed, person), so the output is the same on
//! every run and nothing is held in memory per person: a million persons stream to disk.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{Datelike, Duration, NaiveDate};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};

use crate::dates::{add_months, full_months};
use crate::ids::{credit_code_ok, id_check_char};

pub struct Options {
    pub persons: usize,
    pub seed: u64,
    pub out: PathBuf,
    /// Plain UTF-8 CSV without title rows or planted errors (for benchmarks).
    pub plain: bool,
    /// Also write this month's ledgers as xlsx (benchmarks of the xlsx reader).
    pub xlsx_month: Option<u32>,
    /// Only these months (default 1..=12).
    pub months: std::ops::RangeInclusive<u32>,
}

/// What was written.
pub struct Written {
    pub files: Vec<PathBuf>,
    pub rows: u64,
}

// ---- deterministic randomness -------------------------------------------------------------

fn mix(mut x: u64) -> u64 {
    // splitmix64's finaliser: a good hash of an integer.
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A stream of numbers for one person (or one thing), reproducible from its key.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, key: u64) -> Rng {
        Rng(mix(seed ^ mix(key)))
    }
    fn next(&mut self) -> u64 {
        self.0 = mix(self.0);
        self.0
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
    /// A month 1..=12 drawn with the given weights.
    fn month(&mut self, weights: &[u64; 12]) -> u32 {
        let total: u64 = weights.iter().sum();
        let mut r = self.below(total);
        for (i, w) in weights.iter().enumerate() {
            if r < *w {
                return i as u32 + 1;
            }
            r -= w;
        }
        12
    }
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

fn month_end(m: u32) -> NaiveDate {
    crate::dates::Month {
        year: 2020,
        month: m,
    }
    .last_day()
}

// ---- people and places ----------------------------------------------------------------------

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "周", "吴", "谭", "向", "冉", "牟", "邓", "何", "罗",
    "熊", "彭", "秦", "马",
];
const GIVEN: &[&str] = &[
    "东", "燕", "静", "军", "明", "兰", "强", "梅", "华", "平", "勇", "芳", "涛", "丽", "刚", "霞",
    "伟", "娟", "福", "萍",
];
const TOWNSHIPS: &[&str] = &[
    "龙沙镇",
    "燕山乡",
    "新田镇",
    "分水镇",
    "弹子镇",
    "孙家镇",
    "后山镇",
    "普子乡",
    "太安镇",
    "长坪乡",
    "余家镇",
    "九池乡",
    "五桥街道",
    "陈家坝街道",
];
const VILLAGES: &[&str] = &[
    "中坝村",
    "光明村",
    "新田村",
    "太平村",
    "龙泉村",
    "团结村",
    "金竹村",
    "大石村",
];
const COUNTIES: &[&str] = &[
    "任城区",
    "兖州区",
    "曲阜市",
    "邹城市",
    "微山县",
    "鱼台县",
    "金乡县",
    "嘉祥县",
    "汶上县",
    "泗水县",
    "梁山县",
    "济宁高新区",
    "太白湖新区",
    "济宁经济技术开发区",
];
const JN_EMPLOYERS: &[&str] = &[
    "山东平湖汽车零部件有限公司",
    "济宁润丰包装制品有限公司",
    "泗水兴旺机械制造有限公司",
    "济宁金泰物流有限公司",
    "山东康宁服装有限公司",
    "济宁益民电子科技有限公司",
];
const WZ_EMPLOYERS: &[&str] = &[
    "重庆博远食品有限公司",
    "重庆瑞丰商贸有限公司",
    "重庆明辉家政服务有限公司",
    "重庆聚力商贸有限公司",
];
const WORKSHOPS: &[(&str, u32)] = &[
    ("万州区弹子镇手工艺扶贫车间", 1),
    ("万州区普子乡服装加工扶贫车间", 2),
    ("万州区太安镇电子组装扶贫车间", 3),
    ("万州区九池乡农产品加工扶贫车间", 4),
    ("万州区孙家镇竹编扶贫车间", 5),
    ("万州区后山镇柑橘分拣扶贫车间", 7),
];
const SCHOOLS: &[&str] = &[
    "重庆市万州区长江职业培训学校",
    "重庆市万州区瑞丰职业培训学校",
    "重庆市万州区广源职业培训学校",
];
const PUBLIC_POSTS: &[&str] = &["太白街道办事处", "龙沙镇人民政府", "分水镇人民政府"];

/// A valid 统一社会信用代码 for a name, derived from the name (stable across files).
fn credit_code(name: &str, prefix: &str) -> String {
    const CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let mut h = name.bytes().fold(0u64, |a, b| mix(a ^ u64::from(b)));
    let mut body = prefix.to_string();
    while body.len() < 17 {
        h = mix(h);
        body.push(CHARS[(h % 31) as usize] as char);
    }
    (0..31u8)
        .map(|c| format!("{body}{}", CHARS[c as usize] as char))
        .find(|c| credit_code_ok(c))
        .unwrap_or(body)
}

struct Spell {
    county: &'static str,
    employer: &'static str,
    hire: NaiveDate,
    leave: Option<NaiveDate>,
    contract: i64,
    /// 培训等级, start, days, certificate.
    training: Option<(&'static str, NaiveDate, i64, bool)>,
    work_training_days: Option<i64>,
}

struct Local {
    mode: &'static str,
    employer: &'static str,
    start: NaiveDate,
    /// Social insurance months at the start (企业吸纳 in 2019 may already have many).
    social_at_start: i64,
}

struct Training {
    mode: &'static str,
    school: &'static str,
    start: NaiveDate,
    end: NaiveDate,
    level: Option<&'static str>,
}

struct Person {
    id: String,
    name: String,
    gender: &'static str,
    township: &'static str,
    village: &'static str,
    registered: bool,
    joined: u32,
    spell: Option<Spell>,
    local: Option<Local>,
    training: Option<Training>,
}

/// How events spread over 2020's months: back-loaded, as real programmes are.
const PACE: [u64; 12] = [5, 5, 7, 7, 8, 8, 9, 10, 10, 11, 11, 9];

/// A 2020 date in a month drawn by the pace.
fn paced(r: &mut Rng) -> NaiveDate {
    let m = r.month(&PACE);
    ymd(2020, m, 1 + r.below(28) as u32)
}

fn person(seed: u64, i: usize) -> Person {
    let mut r = Rng::new(seed, i as u64);
    // 身份证号: 500101 + birth date + sequence + check; unique per index.
    let day = ((i % 14600) as i64 * 7919) % 14600;
    let birth = ymd(1960, 1, 1) + Duration::days(day);
    let male = r.below(2) == 0;
    let seq = (i / 14600) * 10 + if male { 1 } else { 2 } + 2 * r.below(4) as usize;
    let body = format!("500101{}{:03}", birth.format("%Y%m%d"), seq % 1000);
    let id = format!("{body}{}", id_check_char(&body).unwrap_or('0'));
    let name = format!(
        "{}{}{}",
        r.pick(SURNAMES),
        r.pick(GIVEN),
        if r.below(3) > 0 { r.pick(GIVEN) } else { "" }
    );
    let joined = if r.unit() < 0.85 {
        1
    } else {
        2 + r.below(5) as u32
    };
    let registered = r.unit() >= 0.03;
    let category = r.unit();
    let second = r.unit() < 0.08;
    let mut spell = None;
    let mut local = None;
    let mut training = None;
    let want_transfer = category < 0.075;
    let want_local = (0.075..0.435).contains(&category) || (second && category < 0.075);
    let want_training =
        (0.435..0.83).contains(&category) || (second && (0.075..0.435).contains(&category));
    if want_transfer {
        let hire = if r.unit() < 0.1 {
            ymd(2019, 12, 1 + r.below(28) as u32)
        } else {
            paced(&mut r)
        };
        let leave = (r.unit() < 0.15).then(|| add_months(hire, 2 + r.below(4) as i32));
        let level = r.pick(&["初级", "中级", "高级"]);
        let training = (r.unit() < 0.3).then(|| {
            (
                level,
                hire + Duration::days(10 + r.below(60) as i64),
                7 + r.below(20) as i64,
                r.unit() < 0.8,
            )
        });
        let wtd = (training.is_none() && r.unit() < 0.15).then(|| 30 + r.below(30) as i64);
        spell = Some(Spell {
            county: r.pick(COUNTIES),
            employer: r.pick(JN_EMPLOYERS),
            hire,
            leave,
            contract: r.pick(&[12, 24, 36]),
            training,
            work_training_days: wtd,
        });
    }
    if want_local {
        let mode = r.pick(&["企业吸纳", "企业吸纳", "扶贫车间", "公益性岗位"]);
        let start = if r.unit() < 0.08 {
            ymd(2019, 1 + r.below(12) as u32, 1 + r.below(28) as u32)
        } else {
            paced(&mut r)
        };
        let employer = match mode {
            "企业吸纳" => r.pick(WZ_EMPLOYERS),
            "扶贫车间" => r.pick(WORKSHOPS).0,
            _ => r.pick(PUBLIC_POSTS),
        };
        let social_at_start = if start.year() == 2019 && mode == "企业吸纳" {
            6 + r.below(12) as i64
        } else {
            0
        };
        local = Some(Local {
            mode,
            employer,
            start,
            social_at_start,
        });
    }
    if want_training {
        let end = paced(&mut r);
        let start = end - Duration::days(8 + r.below(25) as i64);
        let mode = r.pick(&["专项技能培训", "岗前培训", "岗位技能提升培训"]);
        let level = (r.unit() < 0.5).then(|| r.pick(&["初级", "中级"]));
        training = Some(Training {
            mode,
            school: r.pick(SCHOOLS),
            start,
            end,
            level,
        });
    }
    Person {
        id,
        name,
        gender: if male { "男" } else { "女" },
        township: r.pick(TOWNSHIPS),
        village: r.pick(VILLAGES),
        registered,
        joined,
        spell,
        local,
        training,
    }
}

// ---- writing files --------------------------------------------------------------------------

#[derive(Clone)]
enum Cell {
    Text(String),
    Num(f64),
    Date(NaiveDate),
    Empty,
}

fn t(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}
fn n(x: i64) -> Cell {
    Cell::Num(x as f64)
}
fn opt_date(d: Option<NaiveDate>) -> Cell {
    d.map_or(Cell::Empty, Cell::Date)
}

#[derive(Clone, Copy, PartialEq)]
enum Form {
    Xlsx,
    Gbk,
    Bom,
    Utf8,
}

/// One file being written: csv streams to disk; xlsx is built then saved.
struct Sink {
    form: Form,
    path: PathBuf,
    csv: Option<csv::Writer<Vec<u8>>>,
    book: Option<Workbook>,
    row: u32,
    date_style: u32,
    rows: u64,
}

impl Sink {
    fn open(dir: &Path, name: &str, form: Form, date_style: u32, big: bool) -> Sink {
        let ext = if form == Form::Xlsx { "xlsx" } else { "csv" };
        let path = dir.join(format!("{name}.{ext}"));
        let (csv, book) = match form {
            Form::Xlsx => {
                let mut book = Workbook::new();
                // A fixed creation time, so that the same seed gives byte-identical files.
                if let Ok(when) = ExcelDateTime::from_ymd(2021, 1, 5) {
                    book.set_properties(&DocProperties::new().set_creation_datetime(&when));
                }
                if big {
                    let _ = book.add_worksheet_with_constant_memory();
                } else {
                    let _ = book.add_worksheet();
                }
                (None, Some(book))
            }
            _ => (
                Some(
                    csv::WriterBuilder::new()
                        .flexible(true)
                        .from_writer(Vec::new()),
                ),
                None,
            ),
        };
        Sink {
            form,
            path,
            csv,
            book,
            row: 0,
            date_style,
            rows: 0,
        }
    }

    fn date_text(&self, d: NaiveDate) -> String {
        match self.date_style % 4 {
            0 => d.format("%Y-%m-%d").to_string(),
            1 => format!("{}/{}/{}", d.year(), d.month(), d.day()),
            2 => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
            _ => d.format("%Y%m%d").to_string(),
        }
    }

    fn write(&mut self, cells: &[Cell]) -> std::io::Result<()> {
        if self.csv.is_some() {
            let texts: Vec<String> = cells
                .iter()
                .map(|c| match c {
                    Cell::Text(s) => s.clone(),
                    Cell::Num(x) => crate::ingest::cells::format_number(*x),
                    Cell::Date(d) => self.date_text(*d),
                    Cell::Empty => String::new(),
                })
                .collect();
            if let Some(w) = self.csv.as_mut() {
                w.write_record(&texts)?;
            }
        } else if self.book.is_some() {
            let (row, style) = (self.row, self.date_style);
            let texts: Vec<String> = cells
                .iter()
                .map(|c| {
                    if let Cell::Date(d) = c {
                        self.date_text(*d)
                    } else {
                        String::new()
                    }
                })
                .collect();
            let Some(book) = self.book.as_mut() else {
                return Ok(());
            };
            let date_format = Format::new().set_num_format("yyyy-mm-dd");
            let sheet = book
                .worksheet_from_index(0)
                .map_err(std::io::Error::other)?;
            for (c, cell) in cells.iter().enumerate() {
                let col = c as u16;
                let r = match cell {
                    Cell::Text(s) => sheet.write_string(row, col, s).map(|_| ()),
                    Cell::Num(x) => sheet.write_number(row, col, *x).map(|_| ()),
                    Cell::Date(d) if style % 2 == 0 => {
                        let serial = (*d - ymd(1899, 12, 30)).num_days() as f64;
                        sheet
                            .write_number_with_format(row, col, serial, &date_format)
                            .map(|_| ())
                    }
                    Cell::Date(_) => sheet.write_string(row, col, &texts[c]).map(|_| ()),
                    Cell::Empty => Ok(()),
                };
                r.map_err(std::io::Error::other)?;
            }
        }
        self.row += 1;
        self.rows += 1;
        Ok(())
    }

    /// Title rows: the title, then 填报单位 and 填报日期.
    fn title(&mut self, title: &str, unit: &str, fill: NaiveDate) -> std::io::Result<()> {
        let fill = format!(
            "填报日期：{}年{}月{}日",
            fill.year(),
            fill.month(),
            fill.day()
        );
        self.write(&[t(title)])?;
        self.write(&[
            t(format!("填报单位：{unit}（盖章）")),
            Cell::Empty,
            Cell::Empty,
            t(fill),
        ])?;
        self.write(&[Cell::Empty])?;
        self.rows -= 3;
        Ok(())
    }

    fn finish(mut self) -> std::io::Result<(PathBuf, u64)> {
        if let Some(w) = self.csv.take() {
            let bytes = w
                .into_inner()
                .map_err(|e| std::io::Error::other(e.to_string()))?;
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let mut f = BufWriter::new(fs::File::create(&self.path)?);
            match self.form {
                Form::Gbk => f.write_all(&encoding_rs::GB18030.encode(&text).0)?,
                Form::Bom => {
                    f.write_all(b"\xEF\xBB\xBF")?;
                    f.write_all(text.as_bytes())?;
                }
                _ => f.write_all(text.as_bytes())?,
            }
            f.flush()?;
        } else if let Some(mut book) = self.book.take() {
            book.save(&self.path).map_err(std::io::Error::other)?;
        }
        Ok((self.path, self.rows))
    }
}

// ---- the generator --------------------------------------------------------------------------

struct Gen<'a> {
    o: &'a Options,
    written: Written,
    /// The once-a-year planted mistakes already made.
    planted: std::collections::HashSet<&'static str>,
}

const WZ_UNIT: &str = "万州区就业和人才服务局";
const JN_UNIT: &str = "济宁市公共就业和人才服务中心";

impl Gen<'_> {
    fn form(&self, table: u32, m: u32) -> Form {
        if self.o.plain {
            return Form::Utf8;
        }
        match (table + m) % 3 {
            0 => Form::Xlsx,
            1 => Form::Gbk,
            _ => Form::Bom,
        }
    }

    fn sink(&self, name: &str, form: Form, m: u32) -> Sink {
        // Plain files write ISO dates, so that other tools read them as they are.
        let date_style = if self.o.plain { 0 } else { m };
        Sink::open(&self.o.out, name, form, date_style, self.o.persons > 50_000)
    }

    fn done(&mut self, sink: Sink) -> std::io::Result<()> {
        let (path, rows) = sink.finish()?;
        self.written.files.push(path);
        self.written.rows += rows;
        Ok(())
    }

    fn header(&self, cols: &[&str], m: u32) -> Vec<Cell> {
        cols.iter()
            .map(|c| {
                if self.o.plain {
                    return t(*c);
                }
                // Offices re-spell headers: half-width brackets, a required-field star, spaces.
                match m % 4 {
                    1 => t(c.replace('（', "(").replace('）', ")")),
                    2 => t(format!("{c}*")),
                    3 => t(format!(" {c} ")),
                    _ => t(*c),
                }
            })
            .collect()
    }

    fn month_cell(&self, m: u32) -> Cell {
        if self.o.plain {
            return t(format!("2020-{m:02}"));
        }
        match m % 3 {
            0 => t(format!("2020-{m:02}")),
            1 => t(format!("2020年{m}月")),
            _ => t(format!("2020{m:02}")),
        }
    }

    fn registry(&mut self, m: u32, variant: u32) -> std::io::Result<()> {
        let form = self.form(0, m);
        let name = if variant == 0 {
            format!("万州区2020年{m}月贫困劳动力名册")
        } else {
            format!("万州区2020年{m}月贫困劳动力名册（更正版）")
        };
        let mut s = self.sink(&name, if variant == 0 { form } else { Form::Xlsx }, m);
        if form != Form::Bom && !self.o.plain || variant > 0 {
            s.title(
                &format!("万州区2020年{m}月贫困劳动力名册"),
                WZ_UNIT,
                ymd(2020, m, 1) + Duration::days(31 + 3 + i64::from(variant) * 5),
            )?;
        }
        let cols = [
            "序号",
            "所属月份",
            "身份证号",
            "姓名",
            "性别",
            "乡镇（街道）",
            "村（社区）",
            "是否建档立卡",
            "劳动能力",
            "联系电话",
        ];
        s.write(&self.header(&cols, m))?;
        let mut k = 0;
        for i in 0..self.o.persons {
            let p = person(self.o.seed, i);
            if p.joined > m {
                continue;
            }
            k += 1;
            // The first March export has one township wrong; its correction fixes it.
            let town = if m == 3 && variant == 0 && i == 0 && !self.o.plain {
                "错误乡"
            } else {
                p.township
            };
            let yes = if p.registered { "是" } else { "否" };
            let phone = format!("1{}", 3_000_000_000u64 + mix(i as u64) % 900_000_000);
            s.write(&[
                n(k),
                self.month_cell(m),
                t(&p.id),
                t(&p.name),
                t(p.gender),
                t(town),
                t(p.village),
                t(yes),
                t("有"),
                t(phone),
            ])?;
        }
        if !self.o.plain && m >= 10 {
            // A mistyped ID: the check character is wrong.
            s.write(&[
                n(k + 1),
                self.month_cell(m),
                t("500101199007070313"),
                t("王小明"),
                t("男"),
                t("龙沙镇"),
                t("中坝村"),
                t("是"),
                t("有"),
                t(""),
            ])?;
        }
        self.done(s)
    }

    fn help(&mut self, m: u32) -> std::io::Result<()> {
        let mut s = self.sink(
            &format!("万州区2020年{m}月就业帮扶台账"),
            self.form(1, m),
            m,
        );
        if !self.o.plain {
            s.title(
                &format!("万州区2020年{m}月贫困劳动力就业帮扶台账"),
                WZ_UNIT,
                ymd(2020, m, 1) + Duration::days(36),
            )?;
        }
        let cols = [
            "序号",
            "所属月份",
            "身份证号",
            "姓名",
            "帮扶类型",
            "帮扶方式",
            "单位名称",
            "统一社会信用代码",
            "开始日期",
            "结束日期",
            "劳动合同",
            "社保缴纳月数",
            "培训等级",
            "培训天数",
            "取得证书",
        ];
        s.write(&self.header(&cols, m))?;
        let end = month_end(m);
        let mut k = 0;
        let extra = if self.o.plain { 0 } else { 3 };
        for i in 0..self.o.persons + extra {
            // The extra persons are in no registry: their rows are findings.
            let p = person(self.o.seed, i);
            if let Some(l) = p.local.as_ref().filter(|l| l.start <= end) {
                k += 1;
                let social = if l.mode == "企业吸纳" {
                    Cell::Num((l.social_at_start + full_months(l.start, end)) as f64)
                } else {
                    Cell::Empty
                };
                let contract = if l.mode == "企业吸纳" {
                    t("是")
                } else {
                    t("否")
                };
                s.write(&[
                    n(k),
                    self.month_cell(m),
                    t(&p.id),
                    t(&p.name),
                    t("就地就近就业"),
                    t(l.mode),
                    t(l.employer),
                    t(credit_code(l.employer, "915001")),
                    Cell::Date(l.start),
                    Cell::Empty,
                    contract,
                    social,
                    Cell::Empty,
                    Cell::Empty,
                    Cell::Empty,
                ])?;
            }
            if let Some(tr) = p.training.as_ref().filter(|tr| tr.start <= end) {
                k += 1;
                let done = tr.end <= end;
                let days = (tr.end - tr.start).num_days() + 1;
                s.write(&[
                    n(k),
                    self.month_cell(m),
                    t(&p.id),
                    t(&p.name),
                    t("技能培训"),
                    t(tr.mode),
                    t(tr.school),
                    t(credit_code(tr.school, "525001")),
                    Cell::Date(tr.start),
                    opt_date(done.then_some(tr.end)),
                    Cell::Empty,
                    Cell::Empty,
                    tr.level.map_or(Cell::Empty, t),
                    n(days),
                    if done { t("是") } else { Cell::Empty },
                ])?;
            }
            if let Some(sp) = p.spell.as_ref().filter(|sp| sp.hire <= end) {
                k += 1;
                s.write(&[
                    n(k),
                    self.month_cell(m),
                    t(&p.id),
                    t(&p.name),
                    t("转移就业"),
                    t("济宁"),
                    t(sp.employer),
                    Cell::Empty,
                    Cell::Date(sp.hire - Duration::days(1)),
                    opt_date(sp.leave.filter(|l| *l <= end)),
                    Cell::Empty,
                    Cell::Empty,
                    Cell::Empty,
                    Cell::Empty,
                    Cell::Empty,
                ])?;
            }
        }
        if !self.o.plain && (m == 4 || m == 5) {
            // Reported in April and May, withdrawn from June on.
            let p = person(self.o.seed, 1);
            s.write(&[
                n(k + 1),
                self.month_cell(m),
                t(&p.id),
                t(&p.name),
                t("就地就近就业"),
                t("扶贫车间"),
                t(WORKSHOPS[0].0),
                t(credit_code(WORKSHOPS[0].0, "935001")),
                Cell::Date(ymd(2020, 4, 2)),
                Cell::Empty,
                t("否"),
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
            ])?;
        }
        self.done(s)
    }

    fn jining(&mut self, m: u32) -> std::io::Result<()> {
        let mut s = self.sink(
            &format!("济宁市2020年{m}月来济就业台账"),
            self.form(2, m),
            m,
        );
        if !self.o.plain {
            s.title(
                &format!("济宁市2020年{m}月来济就业万州籍建档立卡贫困劳动力台账"),
                JN_UNIT,
                ymd(2020, m, 1) + Duration::days(38),
            )?;
        }
        let cols = [
            "序号",
            "所属月份",
            "身份证号",
            "姓名",
            "就业县（市、区）",
            "用工单位",
            "统一社会信用代码",
            "入职日期",
            "离职日期",
            "劳动合同期限（月）",
            "社保缴纳月数",
            "就业登记",
            "培训等级",
            "培训开始日期",
            "培训天数",
            "取得证书",
            "以工代训天数",
        ];
        s.write(&self.header(&cols, m))?;
        let end = month_end(m);
        let mut k = 0;
        for i in 0..self.o.persons {
            let p = person(self.o.seed, i);
            let Some(sp) = p.spell.as_ref().filter(|sp| sp.hire <= end) else {
                continue;
            };
            k += 1;
            let until = sp.leave.map_or(end, |l| l.min(end));
            let social = full_months(sp.hire, until).max(i64::from(sp.hire <= end));
            let (level, tstart, tdays, cert) = match sp.training.filter(|tr| tr.1 <= end) {
                Some((lv, st, d, c)) => (
                    t(lv),
                    Cell::Date(st),
                    n(d),
                    if c && st + Duration::days(d) <= end {
                        t("是")
                    } else {
                        Cell::Empty
                    },
                ),
                None => (Cell::Empty, Cell::Empty, Cell::Empty, Cell::Empty),
            };
            s.write(&[
                n(k),
                self.month_cell(m),
                t(&p.id),
                t(&p.name),
                t(sp.county),
                t(sp.employer),
                t(credit_code(sp.employer, "913708")),
                Cell::Date(sp.hire),
                opt_date(sp.leave.filter(|l| *l <= end)),
                n(sp.contract),
                n(social),
                t("是"),
                level,
                tstart,
                tdays,
                cert,
                sp.work_training_days.map_or(Cell::Empty, n),
            ])?;
        }
        self.done(s)
    }

    fn workshops(&mut self, m: u32) -> std::io::Result<()> {
        for (region, list) in [
            (
                "万州",
                WORKSHOPS.iter().map(|(n, r)| (*n, *r)).collect::<Vec<_>>(),
            ),
            (
                "济宁",
                JN_EMPLOYERS[..4]
                    .iter()
                    .enumerate()
                    .map(|(i, n)| (*n, 1 + 3 * i as u32))
                    .collect(),
            ),
        ] {
            let name = if region == "万州" {
                format!("万州区扶贫车间名册{m}月")
            } else {
                format!("济宁市就业扶贫基地名册（2020年{m}月）")
            };
            let mut s = self.sink(&name, self.form(3, m), m);
            let cols = [
                "序号",
                "所属月份",
                "所在地区",
                "车间名称",
                "统一社会信用代码",
                "认定日期",
                "职工总数",
                "吸纳建档立卡人数",
            ];
            s.write(&self.header(&cols, m))?;
            let mut k = 0;
            for (name, from) in list.iter().filter(|(_, from)| *from <= m) {
                k += 1;
                let prefix = if region == "万州" {
                    "935001"
                } else {
                    "913708"
                };
                let mut code = credit_code(name, prefix);
                if !self.o.plain && region == "济宁" && k == 2 {
                    // An early pilot code: real, yet it fails the GB 32100 check.
                    code.replace_range(17.., if code.ends_with('0') { "1" } else { "0" });
                }
                s.write(&[
                    n(k),
                    self.month_cell(m),
                    t(region),
                    t(*name),
                    t(code),
                    Cell::Date(ymd(2020, *from, 8)),
                    n(30 + 7 * k),
                    n(5 + k),
                ])?;
            }
            self.done(s)?;
        }
        Ok(())
    }

    /// The payments of month m, both regions.
    fn payments(&mut self, m: u32) -> std::io::Result<()> {
        let mut wz: Vec<Vec<Cell>> = Vec::new();
        let mut jn: Vec<Vec<Cell>> = Vec::new();
        let (start, end) = (ymd(2020, m, 1), month_end(m));
        let pay = |day: u32| ymd(2020, m, day.min(28));
        let voucher = |side: &str, i: usize, item: u32| format!("{side}2020{m:02}-{i:06}{item:02}");
        #[allow(clippy::too_many_arguments)]
        let row = |pool: &str,
                   item: &str,
                   kind: &str,
                   name: &str,
                   payee: &str,
                   linked: &str,
                   amount: f64,
                   date: NaiveDate,
                   months: Option<i64>,
                   days: Option<i64>,
                   v: String|
         -> Vec<Cell> {
            vec![
                t(pool),
                t(item),
                t(kind),
                t(name),
                t(payee),
                t(linked),
                Cell::Num((amount * 100.0).round() / 100.0),
                Cell::Date(date),
                months.map_or(Cell::Empty, n),
                days.map_or(Cell::Empty, n),
                t(v),
            ]
        };
        for i in 0..self.o.persons {
            let p = person(self.o.seed, i);
            if !p.registered {
                continue;
            }
            if let Some(sp) = &p.spell {
                let fm = |d: NaiveDate| full_months(sp.hire, sp.leave.map_or(d, |l| l.min(d)));
                // Paid at the month's end, for what was reached during the month.
                let (before, now) = (fm(start - Duration::days(1)), fm(end));
                if before < 3 && now >= 3 {
                    wz.push(row(
                        "援助资金",
                        "一次性交通伙食补助",
                        "个人",
                        &p.name,
                        &p.id,
                        "",
                        1500.0,
                        end,
                        None,
                        None,
                        voucher("WZ", i, 1),
                    ));
                }
                let earned = |x: i64| if x >= 3 { x.min(6) } else { 0 };
                let new_months = earned(now) - earned(before);
                if new_months > 0 {
                    wz.push(row(
                        "援助资金",
                        "跨省就业补贴",
                        "个人",
                        &p.name,
                        &p.id,
                        "",
                        1000.0 * new_months as f64,
                        end,
                        Some(new_months),
                        None,
                        voucher("WZ", i, 2),
                    ));
                }
                if before < 6 && now >= 6 && sp.contract >= 6 {
                    let code = credit_code(sp.employer, "913708");
                    jn.push(row(
                        "就业补助资金",
                        "岗位补贴",
                        "单位",
                        sp.employer,
                        &code,
                        &p.id,
                        5940.0,
                        end,
                        Some(6),
                        None,
                        voucher("JNJB", i, 3),
                    ));
                    jn.push(row(
                        "就业补助资金",
                        "社会保险补贴",
                        "个人",
                        &p.name,
                        &p.id,
                        "",
                        3499.2,
                        end,
                        Some(6),
                        None,
                        voucher("JNJB", i, 4),
                    ));
                    if let Some((level, st, days, true)) = sp.training {
                        if st + Duration::days(days) <= end {
                            let cap = if level == "初级" {
                                1000.0
                            } else if level == "中级" {
                                1500.0
                            } else {
                                2000.0
                            };
                            jn.push(row(
                                "就业补助资金",
                                "职业培训补贴",
                                "单位",
                                sp.employer,
                                &code,
                                &p.id,
                                cap,
                                end,
                                None,
                                None,
                                voucher("JNJB", i, 5),
                            ));
                            let d = days.min(60);
                            jn.push(row(
                                "就业补助资金",
                                "培训生活补贴",
                                "个人",
                                &p.name,
                                &p.id,
                                "",
                                47.72 * d as f64,
                                end,
                                None,
                                Some(d),
                                voucher("JNJB", i, 6),
                            ));
                        }
                    }
                    if sp.work_training_days.is_some() {
                        jn.push(row(
                            "就业补助资金",
                            "以工代训补贴",
                            "单位",
                            sp.employer,
                            &code,
                            &p.id,
                            1000.0,
                            end,
                            None,
                            None,
                            voucher("JNJB", i, 7),
                        ));
                    }
                }
            }
            if let Some(l) = &p.local {
                if l.mode == "公益性岗位" && l.start <= end {
                    wz.push(row(
                        "援助资金",
                        "公益性岗位补贴",
                        "个人",
                        &p.name,
                        &p.id,
                        "",
                        990.0,
                        end,
                        Some(1),
                        None,
                        voucher("WZ", i, 8),
                    ));
                }
                if l.mode == "企业吸纳" {
                    let social = |d: NaiveDate| l.social_at_start + full_months(l.start, d);
                    if social(start - Duration::days(1)) < 12 && social(end) >= 12 {
                        let code = credit_code(l.employer, "915001");
                        wz.push(row(
                            "援助资金",
                            "一次性岗位补贴",
                            "单位",
                            l.employer,
                            &code,
                            &p.id,
                            6000.0,
                            end,
                            None,
                            None,
                            voucher("WZ", i, 9),
                        ));
                    }
                }
            }
            if let Some(tr) = p
                .training
                .as_ref()
                .filter(|tr| tr.end >= start && tr.end <= end)
            {
                let days = (tr.end - tr.start).num_days() + 1;
                let code = credit_code(tr.school, "525001");
                wz.push(row(
                    "援助资金",
                    "培训补贴",
                    "单位",
                    tr.school,
                    &code,
                    &p.id,
                    1200.0,
                    tr.end.max(pay(5)).min(end),
                    None,
                    None,
                    voucher("WZ", i, 10),
                ));
                wz.push(row(
                    "援助资金",
                    "培训生活费补贴",
                    "个人",
                    &p.name,
                    &p.id,
                    "",
                    50.0 * days as f64,
                    tr.end.max(pay(5)).min(end),
                    None,
                    Some(days),
                    voucher("WZ", i, 11),
                ));
            }
        }
        for (k, (name, from)) in WORKSHOPS.iter().enumerate() {
            if *from == m {
                let date = if !self.o.plain && m == 1 {
                    ymd(2019, 12, 20)
                } else {
                    pay(18)
                };
                wz.push(row(
                    "援助资金",
                    "扶贫车间建设补助",
                    "单位",
                    name,
                    &credit_code(name, "935001"),
                    "",
                    30000.0 + 5000.0 * k as f64,
                    date,
                    None,
                    None,
                    format!("WZ2020{m:02}-CJ{k:02}"),
                ));
            }
        }
        if !self.o.plain {
            self.plant_payment_errors(m, &mut wz, &mut jn);
        }
        self.write_payments(m, "万州", wz)?;
        self.write_payments(m, "济宁", jn)
    }

    /// Mistakes the offices really make, one of each kind somewhere in the year.
    fn plant_payment_errors(&mut self, m: u32, wz: &mut Vec<Vec<Cell>>, jn: &mut Vec<Vec<Cell>>) {
        let item_is = |r: &Vec<Cell>, item: &str| matches!(&r[1], Cell::Text(s) if s == item);
        // Once each in the year, at the first chance: paid below the 50-a-day floor, a
        // once-only item paid twice, and 以工代训 stacked on 职业培训 for one person.
        if !self.planted.contains("below_floor") {
            if let Some(r) = wz.iter_mut().find(|r| item_is(r, "培训生活费补贴")) {
                if let Cell::Num(d) = r[9] {
                    r[6] = Cell::Num(45.0 * d);
                    self.planted.insert("below_floor");
                }
            }
        }
        if m >= 6 && !self.planted.contains("twice") {
            if let Some(mut r) = wz
                .iter()
                .find(|r| item_is(r, "一次性交通伙食补助"))
                .cloned()
            {
                if let Cell::Text(v) = &r[10] {
                    r[10] = t(format!("{v}-2"));
                }
                wz.push(r);
                self.planted.insert("twice");
            }
        }
        if !self.planted.contains("stacked") {
            if let Some(mut r) = jn.iter().find(|r| item_is(r, "职业培训补贴")).cloned() {
                r[1] = t("以工代训补贴");
                r[6] = Cell::Num(1000.0);
                if let Cell::Text(v) = &r[10] {
                    r[10] = t(format!("{v}-B5"));
                }
                jn.push(r);
                self.planted.insert("stacked");
            }
        }
        let p = person(self.o.seed, 2);
        let text = |s: &str| t(s);
        let base = |item: &str, amount: f64, v: &str| -> Vec<Cell> {
            vec![
                text("援助资金"),
                text(item),
                text("个人"),
                text(&p.name),
                text(&p.id),
                Cell::Empty,
                Cell::Num(amount),
                Cell::Date(ymd(2020, m, 12)),
                Cell::Empty,
                Cell::Empty,
                text(v),
            ]
        };
        match m {
            5 => {
                let mut r = base("公益性岗位补贴", 990.0, "WZ202005-E1");
                r[4] = t("5.00101E+17");
                wz.push(r);
            }
            6 => wz.push(base("一次性求职补贴", 500.0, "WZ202006-E2")),
            7 => {
                let mut r = base("公益性岗位补贴", 990.0, "WZ202007-E3");
                r[4] = t(&p.id[..17]);
                wz.push(r);
            }
            8 => {
                if let Some(first) = wz.first().cloned() {
                    wz.push(first); // exported twice, same content
                }
                let mut r = base("岗位补贴", 990.0, "JNJB202008-E4");
                r[0] = t("援助资金"); // a 就业补助资金 item paid from 援助资金
                r[2] = t("单位");
                r[5] = t(&p.id);
                r[4] = t(credit_code(JN_EMPLOYERS[0], "913708"));
                jn.push(r);
            }
            9 => {
                // The same voucher as one of August's, with another amount.
                wz.push(base("培训补贴", 1300.0, "WZ202008-E5"));
            }
            _ => {}
        }
        if m == 8 {
            wz.push(base("培训补贴", 1200.0, "WZ202008-E5"));
        }
    }

    fn write_payments(
        &mut self,
        m: u32,
        region: &str,
        rows: Vec<Vec<Cell>>,
    ) -> std::io::Result<()> {
        let (side, unit) = if region == "万州" {
            ("万州区", WZ_UNIT)
        } else {
            ("济宁市", JN_UNIT)
        };
        let form = if rows.is_empty() && !self.o.plain {
            Form::Bom
        } else {
            self.form(4 + u32::from(region == "济宁"), m)
        };
        let mut s = self.sink(&format!("{side}2020年{m}月补贴发放明细"), form, m);
        // An empty month still names its month and side in the title, as the offices do;
        // without it the file could not be placed.
        if rows.is_empty() {
            s.title(
                &format!("{side}2020年{m}月就业扶贫补贴发放明细（本月无发放）"),
                unit,
                ymd(2020, m, 1) + Duration::days(40),
            )?;
        } else if form == Form::Xlsx {
            s.title(
                &format!("{side}2020年{m}月就业扶贫补贴发放明细"),
                unit,
                ymd(2020, m, 1) + Duration::days(40),
            )?;
        }
        let cols = [
            "序号",
            "所属月份",
            "发放地区",
            "资金来源",
            "补贴项目",
            "对象类型",
            "对象名称",
            "对象证件号码",
            "关联身份证号",
            "金额",
            "发放日期",
            "补贴月数",
            "补贴天数",
            "凭证号",
        ];
        s.write(&self.header(&cols, m))?;
        let mut total = 0.0;
        for (k, r) in rows.iter().enumerate() {
            let mut cells = vec![n(k as i64 + 1), self.month_cell(m), t(region)];
            cells.extend(r.iter().cloned());
            if let Cell::Num(a) = r[6] {
                total += a;
                if !self.o.plain && k % 5 == 1 && form != Form::Xlsx {
                    cells[9] = t(format!("{}元", crate::ingest::cells::format_number(a)));
                }
            }
            s.write(&cells)?;
        }
        if form == Form::Xlsx && !rows.is_empty() && !self.o.plain {
            let mut sum = vec![t("合计")];
            sum.extend(std::iter::repeat_n(Cell::Empty, 8));
            sum.push(Cell::Num((total * 100.0).round() / 100.0));
            s.write(&sum)?;
            s.rows -= 1;
        }
        self.done(s)
    }
}

/// Writes the twelve months of exports into `o.out`.
pub fn generate(o: &Options) -> std::io::Result<Written> {
    fs::create_dir_all(&o.out)?;
    let mut g = Gen {
        o,
        written: Written {
            files: Vec::new(),
            rows: 0,
        },
        planted: Default::default(),
    };
    for m in o.months.clone() {
        g.registry(m, 0)?;
        if m == 3 && !o.plain {
            g.registry(m, 1)?;
        }
        g.help(m)?;
        g.jining(m)?;
        g.workshops(m)?;
        g.payments(m)?;
    }
    if let Some(m) = o.xlsx_month {
        let plain = Options {
            persons: o.persons,
            seed: o.seed,
            out: o.out.join("xlsx"),
            plain: true,
            xlsx_month: None,
            months: m..=m,
        };
        fs::create_dir_all(&plain.out)?;
        let mut x = Gen {
            o: &plain,
            written: Written {
                files: Vec::new(),
                rows: 0,
            },
            planted: Default::default(),
        };
        let mut s = x.sink(&format!("万州区2020年{m}月贫困劳动力名册"), Form::Xlsx, m);
        let cols = [
            "序号",
            "所属月份",
            "身份证号",
            "姓名",
            "性别",
            "乡镇（街道）",
            "村（社区）",
            "是否建档立卡",
            "劳动能力",
            "联系电话",
        ];
        s.write(&x.header(&cols, m))?;
        for i in 0..o.persons {
            let p = person(o.seed, i);
            s.write(&[
                n(i as i64 + 1),
                t(format!("2020-{m:02}")),
                t(&p.id),
                t(&p.name),
                t(p.gender),
                t(p.township),
                t(p.village),
                t("是"),
                t("有"),
                t(""),
            ])?;
        }
        x.done(s)?;
        g.written.files.extend(x.written.files);
        g.written.rows += x.written.rows;
    }
    Ok(g.written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_valid_and_unique() {
        let mut seen = HashSet::new();
        for i in (0..1_000_000).step_by(37) {
            let p = person(1, i);
            assert!(crate::ids::check_id(&p.id).is_ok(), "{}", p.id);
            assert!(seen.insert(p.id), "duplicate at {i}");
        }
    }

    #[test]
    fn credit_codes_pass_their_check() {
        for name in JN_EMPLOYERS.iter().chain(WZ_EMPLOYERS).chain(SCHOOLS) {
            assert!(credit_code_ok(&credit_code(name, "913708")), "{name}");
        }
    }
}
