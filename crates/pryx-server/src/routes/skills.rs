//! `/api/v1/skills`: list, show, enable, disable.

use axum::Json;
use axum::extract::{Path, State};
use pryx_core_api::Skill;
use serde::Serialize;

use super::AppState;
use crate::error::{ApiError, ErrorBody};

/// Every skill found.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct SkillList {
    /// Sorted by id; malformed skills are included with their `error`.
    pub skills: Vec<Skill>,
}

/// Every skill, with whether it is enabled and eligible on this machine.
#[utoipa::path(
    get,
    path = "/api/v1/skills",
    tag = "skills",
    responses((status = 200, description = "Skills", body = SkillList))
)]
pub(crate) async fn list_skills(State(app): State<AppState>) -> Result<Json<SkillList>, ApiError> {
    Ok(Json(SkillList {
        skills: app.services.skills.list().await?,
    }))
}

/// One skill.
#[utoipa::path(
    get,
    path = "/api/v1/skills/{id}",
    tag = "skills",
    params(("id" = String, Path, description = "The skill's id")),
    responses(
        (status = 200, description = "The skill", body = Skill),
        (status = 404, description = "No such skill (`skill_not_found`)", body = ErrorBody)
    )
)]
pub(crate) async fn get_skill(
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Skill>, ApiError> {
    Ok(Json(app.services.skills.get(&id).await?))
}

/// Enables a skill (persisted). A skill whose SKILL.md cannot be read cannot be enabled.
#[utoipa::path(
    post,
    path = "/api/v1/skills/{id}/enable",
    tag = "skills",
    params(("id" = String, Path, description = "The skill's id")),
    responses(
        (status = 200, description = "The skill, now enabled", body = Skill),
        (status = 404, description = "No such skill (`skill_not_found`)", body = ErrorBody),
        (status = 409, description = "The skill is malformed (`skill_invalid`)", body = ErrorBody)
    )
)]
pub(crate) async fn enable_skill(
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Skill>, ApiError> {
    Ok(Json(app.services.skills.set_enabled(&id, true).await?))
}

/// Disables a skill (persisted).
#[utoipa::path(
    post,
    path = "/api/v1/skills/{id}/disable",
    tag = "skills",
    params(("id" = String, Path, description = "The skill's id")),
    responses(
        (status = 200, description = "The skill, now disabled", body = Skill),
        (status = 404, description = "No such skill (`skill_not_found`)", body = ErrorBody)
    )
)]
pub(crate) async fn disable_skill(
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Skill>, ApiError> {
    Ok(Json(app.services.skills.set_enabled(&id, false).await?))
}
