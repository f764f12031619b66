//! Claims for the setting-up-home allowance and the apprenticeship
//! bursary: effective-dated caps, entitlements and the claim lifecycle.

use chrono::NaiveDate;

use crate::error::{AppError, AppResult};
use crate::stored_enum;

stored_enum! {
    ClaimKind as "ClaimKind" {
        /// Leaving care (setting-up-home) allowance.
        SettingUpHome = "setting_up_home",
        /// Care leavers' apprenticeship bursary, paid in instalments.
        ApprenticeshipBursary = "apprenticeship_bursary",
    }
}

stored_enum! {
    ClaimStatus as "ClaimStatus" {
        Requested = "requested",
        Approved = "approved",
        Rejected = "rejected",
        Paid = "paid",
    }
}

impl ClaimStatus {
    /// The lifecycle: requested → approved or rejected; approved → paid.
    pub fn can_become(self, next: ClaimStatus) -> bool {
        matches!(
            (self, next),
            (
                ClaimStatus::Requested,
                ClaimStatus::Approved | ClaimStatus::Rejected
            ) | (ClaimStatus::Approved, ClaimStatus::Paid)
        )
    }
}

/// An effective-dated cap: from `effective_from` the entitlement is
/// `amount_pence`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::staying_close) struct Cap {
    pub effective_from: NaiveDate,
    pub amount_pence: i64,
}

/// The cap in force on `basis` (the latest that started on or before it).
pub(super) fn cap_on(caps: &[Cap], basis: NaiveDate) -> Option<i64> {
    caps.iter()
        .filter(|c| c.effective_from <= basis)
        .max_by_key(|c| c.effective_from)
        .map(|c| c.amount_pence)
}

/// What a young person has claimed of one kind, not counting rejected
/// claims.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(in crate::staying_close) struct Claimed {
    /// The earliest claim's basis date (the first allowance claim, or the
    /// apprenticeship's start): it decides which cap applies.
    pub first_basis: Option<NaiveDate>,
    pub pence: i64,
}

/// What is left of one allowance or bursary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::staying_close) struct Entitlement {
    pub kind: ClaimKind,
    pub cap_pence: i64,
    pub claimed_pence: i64,
    pub remaining_pence: i64,
}

/// The entitlement of one kind: the cap in force on the first claim's
/// basis date (today's cap before any claim), less what was claimed.
pub(in crate::staying_close) fn entitlement(
    kind: ClaimKind,
    caps: &[Cap],
    claimed: Claimed,
    today: NaiveDate,
) -> Entitlement {
    let cap = cap_on(caps, claimed.first_basis.unwrap_or(today)).unwrap_or(0);
    Entitlement {
        kind,
        cap_pence: cap,
        claimed_pence: claimed.pence,
        remaining_pence: (cap - claimed.pence).max(0),
    }
}

/// Formats pence as pounds for messages: 150050 → "£1,500.50".
pub(super) fn pounds(pence: i64) -> String {
    let sign = if pence < 0 { "-" } else { "" };
    let pence = pence.unsigned_abs();
    let whole = (pence / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match pence % 100 {
        0 => format!("{sign}£{grouped}"),
        p => format!("{sign}£{grouped}.{p:02}"),
    }
}

/// Checks a claim against what is left of the entitlement.
pub(super) fn check_entitlement(
    kind: ClaimKind,
    cap: i64,
    already_claimed: i64,
    amount: i64,
) -> AppResult<()> {
    if amount <= 0 {
        return Err(AppError::bad_input("amountPence", "must be more than zero"));
    }
    let remaining = (cap - already_claimed).max(0);
    if amount > remaining {
        let what = match kind {
            ClaimKind::SettingUpHome => "setting-up-home allowance",
            ClaimKind::ApprenticeshipBursary => "apprenticeship bursary",
        };
        return Err(AppError::bad_input(
            "amountPence",
            format!(
                "This claim is for {}, but only {} of the {} {what} is left ({} already claimed).",
                pounds(amount),
                pounds(remaining),
                pounds(cap),
                pounds(already_claimed),
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;
