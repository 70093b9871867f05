// Fetches the event bundle (examples/sample-event.json's layout) of a pretix event for the webhook
// and the pretix resync, caches it per event in the node API (refreshed after
// node_api_options::event_cache_ttl), and adds the sub-events and vouchers orders reference.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "api/node_api_impl.hpp"
#include "api/pretix_client.hpp"
#include "persistence/snapshot_store.hpp"

namespace tixsync::api {

/// Fetches the event bundle of organizer/event from pretix: the event, its settings (name_scheme,
/// locale, locales), every page of its items, questions and check-in lists. The sub-events and
/// vouchers of the cached bundle it replaces are kept. Checks it with the mapping reader and
/// caches it in api.events. `done` (on the HTTP client's thread) gets the bundle JSON, or "" with
/// what failed and pretix's answer (status 0 and a problem when there was no usable answer).
void fetch_event_bundle(
    node_api::impl& api, std::shared_ptr<pretix_client> shop, const std::string& organizer,
    const std::string& event,
    std::function<void(std::string bundle, std::string what, pretix_answer failure)> done);

/// What add_referenced hands over: the bundle ("" on failure, with what failed and pretix's
/// answer) and whether it changed (then it must be stored again).
using reference_done =
    std::function<void(std::string bundle, bool changed, std::string what, pretix_answer failure)>;

/// Adds to `bundle` the sub-events and vouchers that the positions of `orders` (a JSON array of
/// pretix orders) reference and it lacks, fetched by id (…/subevents/{id}/, …/vouchers/{id}/);
/// the cached bundle of the event keeps at most a bounded number of each.
void add_referenced(node_api::impl& api, std::shared_ptr<pretix_client> shop,
                    const std::string& organizer, const std::string& event, std::string bundle,
                    const nlohmann::json& orders, reference_done done);

/// Stores `bundle`, built from pretix, as the snapshot of `event_id` together with the sub-events
/// and vouchers of the snapshot stored now that it lacks (another node's, or this node's before
/// a restart, whose cache then started empty): orders enqueued earlier are synced, retried and
/// re-synced against that snapshot and must still find theirs. Keeps the newest of each kind up
/// to the bound of the cache; what the bundle has wins over what was stored.
persistence::status store_fetched_bundle(persistence::snapshot_store& snapshots,
                                         const std::string& event_id, const std::string& bundle);

/// The cached bundle of `event_id` ("org/slug"), or "" when there is none or (with `fresh_only`)
/// it is older than the refresh time.
std::string cached_event_bundle(node_api::impl& api, const std::string& event_id,
                                bool fresh_only = true);

}  // namespace tixsync::api
