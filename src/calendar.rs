//! The calendar of a run: which weekday and month each simulated day falls on.
//!
//! Simulated time 0 is local midnight of the scenario's `start` date. Profiles are defined
//! in local time, so the local hour of time t is simply (t / 1 h) mod 24.

use chrono::{Datelike, Days, NaiveDate};

use crate::engine::time::{NS_PER_DAY, NS_PER_HOUR};

/// Weekday and month of one simulated day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayInfo {
    /// 0 = Monday ... 6 = Sunday.
    pub weekday: u8,
    /// 0 = January ... 11 = December.
    pub month: u8,
    /// Day of the month, 1..=31.
    pub day: u8,
    /// The date.
    pub date: NaiveDate,
}

impl DayInfo {
    fn of(date: NaiveDate) -> Self {
        DayInfo {
            weekday: date.weekday().num_days_from_monday() as u8,
            month: date.month0() as u8,
            day: date.day() as u8,
            date,
        }
    }
}

/// Day table for a run, computed once so that rate lookups never do date arithmetic.
#[derive(Debug, Clone)]
pub struct Calendar {
    start_date: NaiveDate,
    day_before: DayInfo,
    days: Vec<DayInfo>,
}

impl Calendar {
    /// A calendar starting at `start_date`, covering at least `horizon_ns`.
    pub fn new(start_date: NaiveDate, horizon_ns: u64) -> Self {
        let day_count = horizon_ns / NS_PER_DAY + 2;
        let mut days = Vec::with_capacity(day_count as usize);
        let mut date = start_date;
        for _ in 0..day_count {
            days.push(DayInfo::of(date));
            date = date.checked_add_days(Days::new(1)).unwrap_or(date);
        }
        let day_before = DayInfo::of(start_date.checked_sub_days(Days::new(1)).unwrap_or(start_date));
        Self {
            start_date,
            day_before,
            days,
        }
    }

    /// The local date of simulated time 0.
    pub fn start_date(&self) -> NaiveDate {
        self.start_date
    }

    /// Weekday and month of the day containing `t_ns`.
    #[inline]
    pub fn day_at(&self, t_ns: u64) -> DayInfo {
        let day = (t_ns / NS_PER_DAY) as usize;
        match self.days.get(day) {
            Some(info) => *info,
            None => self.days.last().copied().unwrap_or(self.day_before),
        }
    }

    /// Day and hour of day of hour `hour_index` (hours since time 0, may be negative by up
    /// to a day): used to read tables kept in another time zone.
    pub fn day_and_hour(&self, hour_index: i64) -> (DayInfo, u32) {
        let hour = hour_index.rem_euclid(24) as u32;
        let day = hour_index.div_euclid(24);
        let info = if day < 0 {
            self.day_before
        } else {
            self.days
                .get(day as usize)
                .copied()
                .unwrap_or_else(|| self.days.last().copied().unwrap_or(self.day_before))
        };
        (info, hour)
    }

    /// Local hour of day (0..24) of `t_ns`.
    #[inline]
    pub fn hour_at(t_ns: u64) -> usize {
        ((t_ns / NS_PER_HOUR) % 24) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekdays_and_months_follow_the_start_date() {
        // 2025-01-01 was a Wednesday.
        let start = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        let cal = Calendar::new(start, 40 * NS_PER_DAY);
        assert_eq!(
            (cal.day_at(0).weekday, cal.day_at(0).month, cal.day_at(0).day),
            (2, 0, 1)
        );
        let (before, hour) = cal.day_and_hour(-3);
        assert_eq!(
            (before.month, before.day, hour),
            (11, 31, 21),
            "three hours before is Dec 31, 21:00"
        );
        assert_eq!(cal.day_at(5 * NS_PER_DAY).weekday, 0, "Jan 6 is a Monday");
        assert_eq!(cal.day_at(31 * NS_PER_DAY).month, 1, "Feb 1");
        assert_eq!(Calendar::hour_at(NS_PER_DAY + 13 * NS_PER_HOUR + 5), 13);
    }
}
