//! Every action the audit trail records, typed, each with its code (as
//! stored in `audit_events.action`) and the plain words a young person or
//! carer reads in their own activity log (`words.rs`). Adding an action
//! means adding it here, with its sentence.

crate::stored_enum! {
    /// What was done to a record.
    AuditAction {
        SessionCreate = "session.create",
        SessionEnd = "session.end",
        SessionEndAll = "session.end_all",
        ApiClientCreate = "api_client.create",
        ApiClientRotateSecret = "api_client.rotate_secret",
        ApiClientRevoke = "api_client.revoke",
        JobRetry = "job.retry",
        NotificationMarkRead = "notification.mark_read",
        NotificationSettingsUpdate = "notification_settings.update",
        PushDeviceRegister = "push_device.register",
        PushDeviceUnregister = "push_device.unregister",
        YoungPersonRead = "young_person.read",
        CareLeaverCreate = "care_leaver.create",
        CareLeaverUpdate = "care_leaver.update",
        CareLeaverAccommodationRecord = "care_leaver.accommodation.record",
        CareLeaverInTouchRecord = "care_leaver.in_touch.record",
        CareLeaverActivityRecord = "care_leaver.activity.record",
        PlanCreate = "plan.create",
        PlanUpdate = "plan.update",
        PlanEnd = "plan.end",
        PlanRead = "plan.read",
        PlanComment = "plan.comment",
        PlanShare = "plan.share",
        PlanRespond = "plan.respond",
        PlanGoalAdd = "plan.goal.add",
        PlanGoalUpdate = "plan.goal.update",
        PlanGoalProgress = "plan.goal.progress",
        PlanCheckInSchedule = "plan.check_in.schedule",
        PlanCheckInLog = "plan.check_in.log",
        PlanReviewLog = "plan.review.log",
        PlanReviewRequest = "plan.review.request",
        ClaimRequest = "claim.request",
        ClaimDecide = "claim.decide",
        ClaimPay = "claim.pay",
        ClaimRead = "claim.read",
        ReportIndicators = "report.indicators",
        ReportOc3 = "report.oc3",
        ReportOc3Export = "report.oc3.export",
        AdvocacySubmit = "advocacy.submit",
        AdvocacyTriage = "advocacy.triage",
        AdvocacyAssign = "advocacy.assign",
        AdvocacyFirstContact = "advocacy.first_contact",
        AdvocacyProgress = "advocacy.progress",
        AdvocacyClose = "advocacy.close",
        AdvocacyWithdraw = "advocacy.withdraw",
        AdvocacyKindChange = "advocacy.kind_change",
        AdvocacyRead = "advocacy.read",
        AdvocacyTerms = "advocacy.terms",
        AdvocacyReport = "advocacy.report",
        AdvocacyRecord = "advocacy.record",
        AdvocacyRecordRead = "advocacy.record.read",
        AdvocacySafeguardingShare = "advocacy.safeguarding.share",
        AdvocacySafeguardingRiskPassed = "advocacy.safeguarding.risk_passed",
        AdvocacySafeguardingRead = "advocacy.safeguarding.read",
        TrainingCourseCreate = "training.course.create",
        TrainingCourseUpdate = "training.course.update",
        TrainingSessionSchedule = "training.session.schedule",
        TrainingBook = "training.book",
        TrainingCancel = "training.cancel",
        TrainingOfferAccept = "training.offer.accept",
        TrainingOfferDecline = "training.offer.decline",
        TrainingRegisterRead = "training.register.read",
        TrainingSessionUpdate = "training.session.update",
        TrainingSessionCancel = "training.session.cancel",
        TrainingSessionCapacity = "training.session.capacity",
        TrainingWaitlistMove = "training.waitlist.move",
        TrainingBookingMove = "training.booking.move",
        TrainingAttendanceMark = "training.attendance.mark",
        TrainingRegisterExport = "training.register.export",
        TrainingSeriesCreate = "training.series.create",
        TrainingConsentGrant = "training.consent.grant",
        TrainingConsentRevoke = "training.consent.revoke",
        OrganisationCreate = "organisation.create",
        OrganisationUpdate = "organisation.update",
        OrganisationSignInSettings = "organisation.sign_in_settings",
        CommissionRecord = "commission.record",
        CommissionEnd = "commission.end",
        InvitationCreate = "invitation.create",
        InvitationAccept = "invitation.accept",
        InvitationRevoke = "invitation.revoke",
        RoleGrant = "role.grant",
        RoleRemove = "role.remove",
        AccountDisable = "account.disable",
        AccountEnable = "account.enable",
        PasswordResetRequest = "password.reset_request",
        PasswordReset = "password.reset",
        SecondFactorEnrol = "second_factor.enrol",
        SecondFactorRemove = "second_factor.remove",
        RecoveryCodesRenew = "second_factor.recovery_codes",
        RecoveryCodeUse = "second_factor.recovery_code_use",
        IdentityProviderConfigure = "identity_provider.configure",
        ExternalIdentityLink = "external_identity.link",
        PersonCreate = "person.create",
        AppInvite = "person.app_invite",
        AccountActivate = "account.activate",
        EmailChangeRequest = "account.email_change_request",
        EmailChange = "account.email_change",
        SignInHistoryRead = "sign_in_history.read",
        StaffRead = "staff.read",
        InvitationResend = "invitation.resend",
        PasswordChange = "password.change",
        LocalAuthorityAdd = "local_authority.add",
    }
}

impl AuditAction {
    /// What was done, in plain words, after who did it ("You", "Chris
    /// Adviser (a personal adviser at ...)"): written for a reading age of
    /// about 11.
    pub fn sentence(self) -> &'static str {
        match self {
            AuditAction::SessionCreate => "signed in.",
            AuditAction::SessionEnd => "signed out.",
            AuditAction::SessionEndAll => "signed out on every device.",
            AuditAction::ApiClientCreate => "registered an app.",
            AuditAction::ApiClientRotateSecret => "gave an app a new secret.",
            AuditAction::ApiClientRevoke => "stopped an app from reaching records.",
            AuditAction::JobRetry => "sent a message again.",
            AuditAction::NotificationMarkRead => "marked messages as read.",
            AuditAction::NotificationSettingsUpdate => "changed how you get messages.",
            AuditAction::PushDeviceRegister => "turned on notifications on a phone or browser.",
            AuditAction::PushDeviceUnregister => "turned off notifications on a phone or browser.",
            AuditAction::YoungPersonRead => "looked at your profile.",
            AuditAction::CareLeaverCreate => "set up your care leaver record.",
            AuditAction::CareLeaverUpdate => "changed your care leaver record.",
            AuditAction::CareLeaverAccommodationRecord => "recorded where you live.",
            AuditAction::CareLeaverInTouchRecord => {
                "recorded when they were last in touch with you."
            }
            AuditAction::CareLeaverActivityRecord => {
                "recorded what you are doing (work, education or training)."
            }
            AuditAction::PlanCreate => "started your Staying Close plan.",
            AuditAction::PlanUpdate => "changed your Staying Close plan.",
            AuditAction::PlanEnd => "ended your Staying Close plan.",
            AuditAction::PlanRead => "looked at your Staying Close plan.",
            AuditAction::PlanComment => "commented on your Staying Close plan.",
            AuditAction::PlanShare => "shared your Staying Close plan with you to agree.",
            AuditAction::PlanRespond => "said whether they agree with your Staying Close plan.",
            AuditAction::PlanGoalAdd => "added a goal to your Staying Close plan.",
            AuditAction::PlanGoalUpdate => "changed a goal in your Staying Close plan.",
            AuditAction::PlanGoalProgress => "noted progress on a goal in your Staying Close plan.",
            AuditAction::PlanCheckInSchedule => "planned a check-in with you.",
            AuditAction::PlanCheckInLog => "wrote up a check-in with you.",
            AuditAction::PlanReviewLog => "wrote up a review of your Staying Close plan.",
            AuditAction::PlanReviewRequest => "asked for a review of your Staying Close plan.",
            AuditAction::ClaimRequest => "asked for money from an allowance or bursary.",
            AuditAction::ClaimDecide => "decided on a claim for money.",
            AuditAction::ClaimPay => "marked a claim for money as paid.",
            AuditAction::ClaimRead => "looked at your claims for money.",
            AuditAction::ReportIndicators => "looked at figures about care leavers.",
            AuditAction::ReportOc3 => {
                "included you in the yearly care leavers return to the Department for Education."
            }
            AuditAction::ReportOc3Export => {
                "included you in the yearly care leavers return to the Department for Education."
            }
            AuditAction::AdvocacySubmit => "asked for an advocate.",
            AuditAction::AdvocacyTriage => "decided whether an advocacy service can help you.",
            AuditAction::AdvocacyAssign => "chose an advocate to help you.",
            AuditAction::AdvocacyFirstContact => "noted that your advocate first got in touch.",
            AuditAction::AdvocacyProgress => "noted that your advocate is working on your request.",
            AuditAction::AdvocacyClose => {
                "closed your advocacy request and wrote down what happened."
            }
            AuditAction::AdvocacyWithdraw => "stopped your advocacy request.",
            AuditAction::AdvocacyKindChange => {
                "changed whether your advocate takes instructions from you."
            }
            AuditAction::AdvocacyRead => "looked at your advocacy request.",
            AuditAction::AdvocacyTerms => "set the timescales an advocacy service works to.",
            AuditAction::AdvocacyReport => "looked at figures about an advocacy service.",
            AuditAction::AdvocacyRecord => {
                "wrote down what happened when your advocate met you or spoke up for you."
            }
            AuditAction::AdvocacyRecordRead => "looked at what your advocate wrote down.",
            AuditAction::AdvocacySafeguardingShare => {
                "told your local authority about a worry that you might not be safe."
            }
            AuditAction::AdvocacySafeguardingRiskPassed => {
                "let you see a worry about your safety that your advocacy service shared."
            }
            AuditAction::AdvocacySafeguardingRead => {
                "looked at a worry about your safety that your advocacy service shared."
            }
            AuditAction::TrainingCourseCreate => "added a training course.",
            AuditAction::TrainingCourseUpdate => "changed a training course.",
            AuditAction::TrainingSessionSchedule => "planned a training session.",
            AuditAction::TrainingBook => "booked you onto a training session.",
            AuditAction::TrainingCancel => "cancelled your training booking.",
            AuditAction::TrainingOfferAccept => "took up a training place offered to you.",
            AuditAction::TrainingOfferDecline => "turned down a training place offered to you.",
            AuditAction::TrainingRegisterRead => {
                "looked at the list of people booked on a training session."
            }
            AuditAction::TrainingSessionUpdate => "changed when or where a training session is.",
            AuditAction::TrainingSessionCancel => "cancelled a training session.",
            AuditAction::TrainingSessionCapacity => {
                "changed how many places a training session has."
            }
            AuditAction::TrainingWaitlistMove => "moved you up a training waiting list.",
            AuditAction::TrainingBookingMove => "moved your training place to another session.",
            AuditAction::TrainingAttendanceMark => "marked whether you came to a training session.",
            AuditAction::TrainingRegisterExport => {
                "downloaded the list of people booked on a training session."
            }
            AuditAction::TrainingSeriesCreate => "planned a series of training sessions.",
            AuditAction::TrainingConsentGrant => "let an app book training places for you.",
            AuditAction::TrainingConsentRevoke => "stopped an app booking training places for you.",
            AuditAction::OrganisationCreate => "added an organisation.",
            AuditAction::OrganisationUpdate => "changed an organisation's details.",
            AuditAction::OrganisationSignInSettings => {
                "changed how an organisation's staff sign in."
            }
            AuditAction::CommissionRecord => {
                "recorded that an organisation provides a service to a local authority."
            }
            AuditAction::CommissionEnd => {
                "ended an organisation's commission to provide a service."
            }
            AuditAction::InvitationCreate => "invited a member of staff.",
            AuditAction::InvitationAccept => "accepted an invitation and set up their account.",
            AuditAction::InvitationRevoke => "withdrew an invitation.",
            AuditAction::RoleGrant => "gave a member of staff a role.",
            AuditAction::RoleRemove => "took a role away from a member of staff.",
            AuditAction::AccountDisable => "turned off an account.",
            AuditAction::AccountEnable => "turned an account back on.",
            AuditAction::PasswordResetRequest => "asked to reset a password.",
            AuditAction::PasswordReset => "set a new password.",
            AuditAction::SecondFactorEnrol => {
                "set up a second way to prove who they are when signing in."
            }
            AuditAction::SecondFactorRemove => {
                "removed a second way to prove who they are when signing in."
            }
            AuditAction::RecoveryCodesRenew => "made new recovery codes for signing in.",
            AuditAction::RecoveryCodeUse => "used a recovery code to sign in.",
            AuditAction::IdentityProviderConfigure => {
                "set up how an organisation's staff sign in through their own system."
            }
            AuditAction::ExternalIdentityLink => {
                "linked an account to an organisation's own sign-in system."
            }
            AuditAction::PersonCreate => "added you to Closeknit.",
            AuditAction::AppInvite => "invited you to use the app.",
            AuditAction::AccountActivate => "started using the app.",
            AuditAction::EmailChangeRequest => "asked to change your email address.",
            AuditAction::EmailChange => "changed your email address.",
            AuditAction::SignInHistoryRead => "looked at when people signed in.",
            AuditAction::StaffRead => "looked at an organisation's staff.",
            AuditAction::InvitationResend => "sent a staff invitation again.",
            AuditAction::PasswordChange => "changed their password.",
            AuditAction::LocalAuthorityAdd => "added a local authority.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_a_sentence_that_reads_as_one() {
        for action in AuditAction::ALL {
            let words = action.sentence();
            assert!(words.ends_with('.'), "{action}: {words}");
            assert!(
                words.chars().next().is_some_and(char::is_lowercase),
                "{action}: follows who did it"
            );
        }
    }
}
