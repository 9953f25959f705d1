//! Facts per person and per workshop, read from the as-of model: what the subsidy rules judge.

use std::collections::HashMap;

use chrono::NaiveDate;
use polars::prelude::PolarsResult;

use crate::dates::full_months;
use crate::model::{column_bools, column_dates, column_ints, column_text, Model};

#[derive(Debug, Clone, Default)]
pub struct HelpRow {
    pub help_type: String,
    pub help_mode: String,
    pub employer: String,
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
    pub contract: Option<bool>,
    pub social_months: Option<i64>,
    pub training_days: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct Spell {
    pub county: String,
    pub employer: String,
    pub credit_code: Option<String>,
    pub hire: Option<NaiveDate>,
    pub leave: Option<NaiveDate>,
    pub contract_months: Option<i64>,
    pub social_months: Option<i64>,
    pub registration: Option<bool>,
    pub level: Option<String>,
    pub training_start: Option<NaiveDate>,
    pub training_days: Option<i64>,
    pub certificate: Option<bool>,
    pub work_training_days: Option<i64>,
}

impl Spell {
    /// Full months in Jining as of `d` (an open spell ends on `d`).
    pub fn full_months_at(&self, d: NaiveDate) -> i64 {
        match self.hire {
            Some(h) if h <= d => full_months(h, self.leave.map_or(d, |l| l.min(d))),
            _ => 0,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Person {
    pub names: Vec<String>,
    pub registered: bool,
    /// In the registry at all (maybe with 是否建档立卡 = 否).
    pub in_registry: bool,
    pub township: Option<String>,
    pub help: Vec<HelpRow>,
    pub spells: Vec<Spell>,
}

#[derive(Debug, Clone, Default)]
pub struct Workshop {
    pub region: String,
    pub name: String,
    pub credit_code: Option<String>,
    pub recognised: Option<NaiveDate>,
    pub staff_total: Option<i64>,
    pub absorbed: Option<i64>,
}

pub struct Facts {
    pub persons: HashMap<String, Person>,
    pub workshops: Vec<Workshop>,
    pub jining_has_registration: bool,
}

impl Facts {
    pub fn person(&self, id: &str) -> Option<&Person> {
        self.persons.get(id)
    }

    pub fn registered(&self, id: &str) -> bool {
        self.persons.get(id).is_some_and(|p| p.registered)
    }

    pub fn build(model: &Model) -> PolarsResult<Facts> {
        let mut persons: HashMap<String, Person> = HashMap::new();
        let r = &model.registry;
        let ids = column_text(r, "id_number")?;
        let names = column_text(r, "name")?;
        let reg = column_bools(r, "registered")?;
        let towns = column_text(r, "township")?;
        for i in 0..ids.len() {
            let Some(id) = ids[i].clone() else { continue };
            let p = persons.entry(id).or_default();
            p.in_registry = true;
            p.registered |= reg[i] == Some(true);
            p.township = p.township.take().or(towns[i].clone());
            p.names.extend(names[i].clone());
        }

        let h = &model.help;
        let ids = column_text(h, "id_number")?;
        let names = column_text(h, "name")?;
        let (types, modes, employers) = (
            column_text(h, "help_type")?,
            column_text(h, "help_mode")?,
            column_text(h, "employer")?,
        );
        let (starts, ends) = (column_dates(h, "start_date")?, column_dates(h, "end_date")?);
        let contracts = column_bools(h, "contract")?;
        let social = column_ints(h, "social_months")?;
        let tdays = column_ints(h, "training_days")?;
        for i in 0..ids.len() {
            let Some(id) = ids[i].clone() else { continue };
            let p = persons.entry(id).or_default();
            p.names.extend(names[i].clone());
            p.help.push(HelpRow {
                help_type: types[i].clone().unwrap_or_default(),
                help_mode: modes[i].clone().unwrap_or_default(),
                employer: employers[i].clone().unwrap_or_default(),
                start: starts[i],
                end: ends[i],
                contract: contracts[i],
                social_months: social[i],
                training_days: tdays[i],
            });
        }

        let j = &model.jining;
        let ids = column_text(j, "id_number")?;
        let names = column_text(j, "name")?;
        let (counties, employers, codes) = (
            column_text(j, "county")?,
            column_text(j, "employer")?,
            column_text(j, "credit_code")?,
        );
        let (hires, leaves) = (
            column_dates(j, "hire_date")?,
            column_dates(j, "leave_date")?,
        );
        let (contract, social) = (
            column_ints(j, "contract_months")?,
            column_ints(j, "social_months")?,
        );
        let registration = column_bools(j, "employment_registered")?;
        let levels = column_text(j, "training_level")?;
        let tstart = column_dates(j, "training_start")?;
        let tdays = column_ints(j, "training_days")?;
        let cert = column_bools(j, "certificate")?;
        let wtd = column_ints(j, "work_training_days")?;
        for i in 0..ids.len() {
            let Some(id) = ids[i].clone() else { continue };
            let p = persons.entry(id).or_default();
            p.names.extend(names[i].clone());
            p.spells.push(Spell {
                county: counties[i].clone().unwrap_or_default(),
                employer: employers[i].clone().unwrap_or_default(),
                credit_code: codes[i].clone(),
                hire: hires[i],
                leave: leaves[i],
                contract_months: contract[i],
                social_months: social[i],
                registration: registration[i],
                level: levels[i].clone(),
                training_start: tstart[i],
                training_days: tdays[i],
                certificate: cert[i],
                work_training_days: wtd[i],
            });
        }
        for p in persons.values_mut() {
            p.names.sort();
            p.names.dedup();
        }

        let w = &model.workshops;
        let (regions, wnames, codes) = (
            column_text(w, "region")?,
            column_text(w, "name")?,
            column_text(w, "credit_code")?,
        );
        let recognised = column_dates(w, "recognised_date")?;
        let (staff, absorbed) = (column_ints(w, "staff_total")?, column_ints(w, "absorbed")?);
        let workshops = (0..regions.len())
            .map(|i| Workshop {
                region: regions[i].clone().unwrap_or_default(),
                name: wnames[i].clone().unwrap_or_default(),
                credit_code: codes[i].clone(),
                recognised: recognised[i],
                staff_total: staff[i],
                absorbed: absorbed[i],
            })
            .collect();
        Ok(Facts {
            persons,
            workshops,
            jining_has_registration: model.jining_has_registration,
        })
    }
}
