//! The pathway plan items goals are filed under, and a goal's status.

use crate::stored_enum;

stored_enum! {
    /// The pathway plan items (Care Leavers (England) Regulations 2010,
    /// Schedule 1).
    PlanSection as "PlanSection" {
        ContactAndPersonalSupport = "contact_and_personal_support",
        EducationAndTraining = "education_and_training",
        Employment = "employment",
        Accommodation = "accommodation",
        FamilyAndSocialRelationships = "family_and_social_relationships",
        PracticalAndLifeSkills = "practical_and_life_skills",
        FinancialSupport = "financial_support",
        HealthAndWellbeing = "health_and_wellbeing",
        Identity = "identity",
        Contingency = "contingency",
    }
}

stored_enum! {
    GoalStatus as "GoalStatus" {
        NotStarted = "not_started",
        InProgress = "in_progress",
        Achieved = "achieved",
        /// No longer being worked on.
        Stopped = "stopped",
    }
}
