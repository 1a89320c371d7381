//! Which served service a call is for.
//!
//! In order: a `Service:method` name (Apache's `TMultiplexedProtocol`) names the service;
//! else TTHeader's `isn` string header (the IDL service name Kitex and Volo send) does;
//! else the first served service that has the method (its own or inherited) takes it,
//! trying the services in the order they were given to the builder.

use thriftjit::schema::{Schema, ServiceId};

use crate::proto::FrameHeader;
use crate::proto::ttheader::str_key;

/// The services of a server, in the builder's order.
#[derive(Debug, Clone)]
pub(crate) struct Router {
    services: Vec<ServiceId>,
}

/// Why a call cannot be routed (sent to the client as `UNKNOWN_METHOD`).
pub(crate) type RouteError = String;

impl Router {
    pub(crate) fn new(services: Vec<ServiceId>) -> Self {
        Router { services }
    }

    /// The served service named `name` (its full name, or the part after the last dot
    /// for a service of an included file).
    fn by_name(&self, schema: &Schema, name: &str) -> Option<ServiceId> {
        self.services.iter().copied().find(|&id| {
            let full = &*schema.service(id).name;
            full == name || full.rsplit('.').next() == Some(name)
        })
    }

    /// The service and the bare method name of a call named `name`.
    pub(crate) fn route<'a>(
        &self,
        schema: &Schema,
        name: &'a str,
        header: &FrameHeader,
    ) -> Result<(ServiceId, &'a str), RouteError> {
        if let Some((service, method)) = name.split_once(':') {
            return match self.by_name(schema, service) {
                Some(id) => Ok((id, method)),
                None => Err(format!("service `{service}` (in `{name}`) is not served here")),
            };
        }
        if let FrameHeader::TtHeader(h) = header
            && let Some(isn) = h.string(str_key::IDL_SERVICE_NAME).filter(|s| !s.is_empty())
        {
            return match self.by_name(schema, isn) {
                Some(id) => Ok((id, name)),
                None => Err(format!("service `{isn}` (TTHeader `isn`) is not served here")),
            };
        }
        let first = self.services.first().copied().ok_or_else(|| "no service is served".to_string())?;
        let found = self.services.iter().copied().find(|&id| schema.find_method(id, name).is_some());
        Ok((found.unwrap_or(first), name))
    }
}
