//! Building and starting the application.

use crate::{
    config::Settings,
    error::ApiError,
    extract,
    realtime::{self, monitor::MonitorActor, trainer::TrainerActor, GlobalModels, Realtime},
    routes,
    security::{Event, Severity},
    state::AppState,
};
use actix_web::{dev::Server, middleware, web, App, HttpServer};
use serde_json::json;
use std::{net::SocketAddr, sync::Arc};
use workspace_auth::{password, resolve_secret, secret::SecretSource, JwtKeys, ThrottlePolicy};
use workspace_domain::{Password, Role, Username};
use workspace_persistence::{users, Database};

/// A failure to start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Bad configuration.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The database could not be opened or migrated.
    #[error("database: {0}")]
    Database(#[from] workspace_persistence::PersistenceError),
    /// The JWT secret does not satisfy the environment.
    #[error("{0}")]
    Secret(#[from] workspace_auth::AuthError),
    /// The bootstrap admin could not be created.
    #[error("bootstrap admin: {0}")]
    Bootstrap(String),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// Address.
        addr: String,
        /// Cause.
        source: std::io::Error,
    },
}

/// Opens the database (running migrations), resolves the secret and creates
/// the bootstrap admin: everything before listening.
pub fn build_state(settings: Settings) -> Result<AppState, StartError> {
    let (secret, source) = resolve_secret(
        settings.jwt_secret_key.as_deref(),
        settings.auth_token.as_deref(),
        settings.is_production(),
    )?;
    match source {
        SecretSource::Generated => log::warn!(
            "!!! JWT_SECRET_KEY is not set: using a random development secret. Tokens will not \
             survive a restart and other instances cannot verify them. Set JWT_SECRET_KEY \
             (at least 32 bytes) for any real use; APP_ENV=production refuses to start without it. !!!"
        ),
        SecretSource::AuthToken => log::info!("JWT secret taken from AUTH_TOKEN"),
        SecretSource::JwtSecretKey => {}
    }
    let db = Database::connect(
        settings.database_url.as_deref(),
        &settings.db_path,
        settings.db_pool_size,
    )?;
    log::info!("database ready: {}", db.backend().as_str());
    bootstrap_admin(&db, &settings)?;
    let realtime = start_realtime(&db, &settings)?;
    let throttle = ThrottlePolicy {
        max_failures: settings.login_max_failures,
        window: chrono::Duration::seconds(settings.login_window_seconds),
    };
    Ok(AppState {
        jwt: JwtKeys::new(&secret, settings.token_ttl_seconds),
        db,
        settings: Arc::new(settings),
        throttle,
        realtime,
    })
}

/// Starts the realtime actors (must run inside an actix system) and the
/// cross-instance listener, and loads the current global model.
fn start_realtime(db: &Database, settings: &Settings) -> Result<Realtime, StartError> {
    use actix::Actor;
    let models = Arc::new(GlobalModels::default());
    match realtime::trainer::load_latest(db)? {
        Some((version, model)) => {
            log::info!("global model version {version} loaded");
            models.install(version, model);
        }
        None => log::info!("no global model yet: enrolling users are scored in learning mode"),
    }
    let config = Arc::new(behavior_ml::Config::default());
    let trainer = TrainerActor {
        db: db.clone(),
        models: models.clone(),
        config: config.clone(),
        interval: std::time::Duration::from_secs(settings.global_train_interval_seconds),
        min_samples: settings.global_train_min_samples,
        max_samples: settings.global_train_max_samples,
        busy: false,
    }
    .start();
    let rt = Realtime {
        monitor: MonitorActor::default().start(),
        trainer,
        models,
        config,
        instance_id: uuid::Uuid::new_v4().simple().to_string(),
    };
    let target = workspace_persistence::DatabaseTarget::resolve(
        settings.database_url.as_deref(),
        &settings.db_path,
    )?;
    rt.spawn_listener(target);
    Ok(rt)
}

fn bootstrap_admin(db: &Database, settings: &Settings) -> Result<(), StartError> {
    let (Some(name), Some(pw)) = (
        settings.bootstrap_admin_username.as_deref(),
        settings.bootstrap_admin_password.as_deref(),
    ) else {
        return Ok(());
    };
    let bad = |e: workspace_domain::DomainError| StartError::Bootstrap(e.to_string());
    let username = Username::parse(name).map_err(bad)?;
    let password = Password::parse(pw).map_err(bad)?;
    let mut conn = db.conn()?;
    if users::find_by_username(&mut conn, &username.key())?.is_some() {
        return Ok(());
    }
    let hash = password::hash_password(&password, settings.bcrypt_cost)
        .map_err(|e| StartError::Bootstrap(e.to_string()))?;
    let created = users::create(
        &mut conn,
        &users::NewUser {
            username: username.as_str(),
            password_hash: &hash,
            email: None,
            role: Role::Admin.as_str(),
        },
    );
    match created {
        Ok(user) => {
            log::info!("bootstrap admin created: {}", user.username);
            Event::new("register", Severity::Info)
                .user(Some(user.id), &user.username)
                .detail(json!({ "bootstrap": true, "role": "admin" }))
                .record(&mut conn)
                .map_err(|e| StartError::Bootstrap(e.to_string()))
        }
        // Another instance created it at the same moment.
        Err(e) if e.is_conflict() => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Mounts everything on an actix `App`.
pub fn configure_app(state: web::Data<AppState>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg: &mut web::ServiceConfig| {
        let limit = state.settings.max_body_bytes;
        let web_dir = state.settings.web_dir.clone();
        cfg.app_data(state)
            .app_data(extract::json_config(limit))
            .app_data(extract::query_config())
            .app_data(extract::path_config())
            .app_data(extract::payload_config(limit))
            .route("/health", web::get().to(routes::health::health))
            .route("/ws/behavioral", web::get().to(realtime::ws::behavioral))
            .configure(routes::configure);
        if web_dir.is_dir() {
            cfg.service(
                actix_files::Files::new("/", web_dir)
                    .index_file("index.html")
                    .redirect_to_slash_directory()
                    .default_handler(web::to(not_found)),
            );
        } else {
            log::warn!(
                "web folder {} not found: pages are not served",
                web_dir.display()
            );
            cfg.default_service(web::to(not_found));
        }
    }
}

async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::not_found("page"))
}

/// Binds and returns the server (not yet awaited) and its address.
pub fn start(state: AppState) -> Result<(Server, SocketAddr), StartError> {
    let addr = format!("{}:{}", state.settings.host, state.settings.port);
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            .wrap(middleware::Logger::new("%a \"%r\" %s %b %Dms"))
            .configure(configure_app(data.clone()))
    })
    .bind(&addr)
    .map_err(|e| bind_error(&addr, e))?;
    let bound = first_addr(&addr, &server.addrs())?;
    Ok((server.run(), bound))
}

/// The standalone realtime server: only `/ws/behavioral` and `/health`.
pub fn start_realtime_only(state: AppState) -> Result<(Server, SocketAddr), StartError> {
    let addr = format!("{}:{}", state.settings.host, state.settings.realtime_port);
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        let limit = data.settings.max_body_bytes;
        App::new()
            .wrap(middleware::Logger::new("%a \"%r\" %s %b %Dms"))
            .app_data(data.clone())
            .app_data(extract::payload_config(limit))
            .route("/health", web::get().to(routes::health::health))
            .route("/ws/behavioral", web::get().to(realtime::ws::behavioral))
            .default_service(web::to(not_found))
    })
    .bind(&addr)
    .map_err(|e| bind_error(&addr, e))?;
    let bound = first_addr(&addr, &server.addrs())?;
    Ok((server.run(), bound))
}

fn bind_error(addr: &str, source: std::io::Error) -> StartError {
    StartError::Bind {
        addr: addr.to_owned(),
        source,
    }
}

fn first_addr(addr: &str, bound: &[SocketAddr]) -> Result<SocketAddr, StartError> {
    bound
        .first()
        .copied()
        .ok_or_else(|| bind_error(addr, std::io::Error::other("no address bound")))
}
