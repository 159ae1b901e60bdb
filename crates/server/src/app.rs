//! Building and starting the application: the composition root, the only
//! module that knows every layer.

use crate::config::{ConfigError, Settings};
use crate::http::{self, extract};
use crate::realtime::monitor_store::MonitorStore;
use crate::realtime::sockets::SocketCounts;
use crate::realtime::{
    context::RealtimeContext, hub::Hub, models::GlobalModels, monitor::MonitorActor,
    trainer::TrainerActor, ws,
};
use crate::services::behavior::{self, TrainingLimits};
use crate::services::core::{Policy, ServiceParts, Services};
use crate::services::{accounts, notify, webhooks};
use crate::state::AppState;
use actix::Actor;
use actix_web::{dev::Server, middleware, web, App, HttpServer};
use secrecy::ExposeSecret;
use std::{
    net::{SocketAddr, TcpListener},
    sync::Arc,
    time::Duration,
};
use workspace_auth::{resolve_secret, secret::SecretSource, JwtKeys, ThrottlePolicy};
use workspace_persistence::{Database, DatabaseTarget};

/// A failure to start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Bad configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
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

/// Opens the database (running migrations), resolves the secret, creates
/// the bootstrap admin and starts the realtime actors: everything before
/// listening. Must run inside an actix system.
pub fn build_state(settings: Settings) -> Result<AppState, StartError> {
    let jwt = token_keys(&settings)?;
    let db = Database::connect(
        settings.database_url(),
        &settings.db_path,
        settings.db_pool_size,
    )?;
    log::info!("database ready: {}", db.backend().as_str());
    if let (Some(name), Some(pw)) = (
        settings.bootstrap_admin_username.as_deref(),
        settings.bootstrap_admin_password.as_ref(),
    ) {
        accounts::bootstrap_admin(&db, name, pw.expose_secret(), settings.bcrypt_cost)
            .map_err(StartError::Bootstrap)?;
    }
    let models = Arc::new(GlobalModels::default());
    load_global_model(&db, &models)?;
    let config = Arc::new(behavior_ml::Config::default());
    let instance_id = uuid::Uuid::new_v4().simple().to_string();
    let store = MonitorStore::start(db.clone(), &instance_id);
    let monitor = MonitorActor::new(store.clone()).start();
    let trainer = TrainerActor::new(
        db.clone(),
        models.clone(),
        config.clone(),
        Duration::from_secs(settings.global_train_interval_seconds),
        TrainingLimits {
            min_samples: settings.global_train_min_samples,
            max_samples: settings.global_train_max_samples,
        },
    )
    .start();
    let services = Services::new(ServiceParts {
        db,
        jwt,
        policy: policy(&settings),
        session_max_seconds: settings.session_max_seconds,
        live: Arc::new(Hub {
            monitor: monitor.clone(),
            trainer,
        }),
        instance_id,
        ml_config: config.clone(),
    });
    let target = DatabaseTarget::resolve(settings.database_url(), &settings.db_path)?;
    notify::spawn_listener(
        target,
        services.instance_id().to_owned(),
        services.live_handle(),
    );
    webhooks::spawn_worker(
        services.db().clone(),
        webhooks::WorkerConfig {
            allow_private: settings.webhook_allow_private,
            retry_base_seconds: settings.webhook_retry_base_seconds,
            poll_millis: settings.webhook_poll_millis,
        },
    );
    let realtime = RealtimeContext {
        models,
        config,
        monitor,
        allowed_origins: Arc::new(settings.allowed_origins()),
        sockets: Arc::new(SocketCounts::new(
            settings.ws_max_sockets_per_session,
            store,
        )),
    };
    Ok(AppState {
        services,
        realtime,
        settings: Arc::new(settings),
    })
}

/// Token keys from `JWT_SECRET_KEY` / `AUTH_TOKEN` (or a random secret in
/// development, with a loud warning).
fn token_keys(settings: &Settings) -> Result<JwtKeys, StartError> {
    let expose =
        |s: &Option<secrecy::SecretString>| s.as_ref().map(|v| v.expose_secret().to_owned());
    let (secret, source) = resolve_secret(
        expose(&settings.jwt_secret_key).as_deref(),
        expose(&settings.auth_token).as_deref(),
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
    Ok(JwtKeys::new(&secret, settings.token_ttl_seconds))
}

fn policy(settings: &Settings) -> Policy {
    Policy {
        bcrypt_cost: settings.bcrypt_cost,
        throttle: ThrottlePolicy {
            max_failures: settings.login_max_failures,
            window: chrono::Duration::seconds(settings.login_window_seconds),
        },
        windows_kept: i64::try_from(settings.global_train_max_samples.saturating_mul(4))
            .unwrap_or(i64::MAX),
        default_currency: workspace_domain::Currency::parse(&settings.default_currency)
            .unwrap_or(workspace_domain::Currency::EUR),
    }
}

fn load_global_model(db: &Database, models: &GlobalModels) -> Result<(), StartError> {
    match behavior::load_latest_model(db)? {
        Some((version, model)) => {
            log::info!("global model version {version} loaded");
            models.install(version, model);
        }
        None => log::info!("no global model yet: enrolling users are scored in learning mode"),
    }
    Ok(())
}

/// Registers the application's shared parts and parsing rules.
fn register_state(cfg: &mut web::ServiceConfig, state: &AppState) {
    let limit = state.settings.max_body_bytes;
    cfg.app_data(web::Data::new(state.services.clone()))
        .app_data(web::Data::new(state.realtime.clone()))
        .app_data(web::Data::new(webhooks::AllowPrivate(
            state.settings.webhook_allow_private,
        )))
        .app_data(web::Data::new(
            http::client::TrustedProxies::parse(state.settings.trusted_proxies.as_deref())
                .unwrap_or_default(),
        ))
        .app_data(extract::BodyLimit(limit))
        .app_data(extract::query_config())
        .app_data(extract::path_config())
        .app_data(extract::payload_config(limit));
}

/// `GET /ws/behavioral`; other methods answer a JSON 405.
fn websocket_route() -> actix_web::Resource {
    http::routes::resource("/ws/behavioral").route(web::get().to(ws::behavioral))
}

/// Mounts everything on an actix `App`.
pub fn configure_app(state: AppState) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg: &mut web::ServiceConfig| {
        register_state(cfg, &state);
        cfg.configure(http::routes::configure_health)
            .service(websocket_route())
            .configure(http::routes::configure);
        let web_dir = state.settings.web_dir.clone();
        if web_dir.is_dir() {
            cfg.service(
                actix_files::Files::new("/", web_dir)
                    .index_file("index.html")
                    .redirect_to_slash_directory()
                    .default_handler(web::to(http::routes::not_found)),
            );
        } else {
            log::warn!(
                "web folder {} not found: pages are not served",
                web_dir.display()
            );
            cfg.default_service(web::to(http::routes::not_found));
        }
    }
}

/// Backlog of the listening socket (actix's default).
const LISTEN_BACKLOG: i32 = 1024;

/// Binds the listening socket on `host:port`: the first resolved address
/// that binds, with SO_REUSEADDR and actix's backlog. Done before the
/// database is opened, so a port in use fails with nothing started — no
/// migrations run, no pool or listener threads alive while the process
/// exits.
pub fn listen_on(host: &str, port: u16) -> Result<TcpListener, StartError> {
    use std::net::ToSocketAddrs;
    let addr = format!("{host}:{port}");
    let mut last = None;
    for candidate in addr.to_socket_addrs().map_err(|e| bind_error(&addr, e))? {
        match bind_one(candidate) {
            Ok(listener) => return Ok(listener),
            Err(e) => last = Some(e),
        }
    }
    Err(bind_error(
        &addr,
        last.unwrap_or_else(|| std::io::Error::other("no address to bind")),
    ))
}

fn bind_one(addr: SocketAddr) -> std::io::Result<TcpListener> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(LISTEN_BACKLOG)?;
    let listener: TcpListener = socket.into();
    listener.set_nonblocking(true)?;
    Ok(listener)
}

/// Binds `HOST:PORT` of the state's settings and serves the application
/// there; returns the server (not yet awaited) and its address.
pub fn start(state: AppState) -> Result<(Server, SocketAddr), StartError> {
    let listener = listen_on(&state.settings.host, state.settings.port)?;
    start_on(state, listener)
}

/// Serves the application on `listener` (see [`listen_on`]); returns the
/// server (not yet awaited) and its address.
pub fn start_on(
    state: AppState,
    listener: TcpListener,
) -> Result<(Server, SocketAddr), StartError> {
    serve_on(listener, move |cfg| configure_app(state.clone())(cfg))
}

/// The standalone realtime server: only `/ws/behavioral` and `/health`, on
/// `listener` (see [`listen_on`]).
pub fn start_realtime_only(
    state: AppState,
    listener: TcpListener,
) -> Result<(Server, SocketAddr), StartError> {
    serve_on(listener, move |cfg| {
        register_state(cfg, &state);
        http::routes::configure_health(cfg);
        cfg.service(websocket_route());
        cfg.default_service(web::to(http::routes::not_found));
    })
}

/// Both servers: the same middleware around the routes `configure` adds.
fn serve_on(
    listener: TcpListener,
    configure: impl Fn(&mut web::ServiceConfig) + Clone + Send + 'static,
) -> Result<(Server, SocketAddr), StartError> {
    let addr = listener
        .local_addr()
        .map_err(|e| bind_error("the listening socket", e))?;
    let server = HttpServer::new(move || {
        App::new()
            .wrap(middleware::from_fn(http::refuse::refuse_bad_text))
            .wrap(middleware::from_fn(http::client::client_origin))
            .wrap(middleware::Logger::new("%a \"%r\" %s %b %Dms"))
            .wrap(middleware::from_fn(http::headers::security_headers))
            .configure(configure.clone())
    })
    .listen(listener)
    .map_err(|e| bind_error(&addr.to_string(), e))?;
    Ok((server.run(), addr))
}

fn bind_error(addr: &str, source: std::io::Error) -> StartError {
    StartError::Bind {
        addr: addr.to_owned(),
        source,
    }
}
