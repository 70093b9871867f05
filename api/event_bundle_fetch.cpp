// The event bundle of a pretix event as the webhook and the pretix resync build it: the event, its
// settings, every page of its items, questions and check-in lists, and the sub-events and vouchers
// the orders at hand reference (fetched by id, kept per event up to a bound). The bundle has the
// layout of examples/sample-event.json, so both ways into tixsync evaluate against the same data.
#include "api/event_bundle_fetch.hpp"

#include <iterator>
#include <memory>
#include <set>

#include "mapping/order_reader.hpp"

namespace tixsync::api {
namespace {

// The event settings the source-field catalogue and the evaluators read (pretix's /settings/
// answers every setting; the bundle keeps these).
constexpr const char* bundle_settings[] = {"name_scheme", "locale", "locales"};
// Sub-events and vouchers kept per event: an event series can have thousands of dates and an
// event tens of thousands of vouchers, only those orders reference are fetched and kept.
constexpr std::size_t referenced_kept = 2000;
// Ids fetched for one call (one order or one page of orders); more is refused as unreadable.
constexpr std::size_t referenced_per_call = 500;

using bundle_done = std::function<void(std::string, std::string, pretix_answer)>;

struct bundle_fetch {
  node_api::impl* api;
  std::shared_ptr<pretix_client> shop;
  std::string base, event_id;
  nlohmann::json bundle;
  bundle_done done;
};

/// "" when `text` reads as an event bundle, else why not.
std::string bundle_problem(const std::string& text) {
  thread_local mapping::order_reader reader;
  mapping::event_bundle parsed;
  mapping::read_error error;
  if (reader.read_event_bundle(text, parsed, error)) return "";
  return "it cannot be read: " + error.to_string();
}

/// The cached bundle of `event_id` as JSON (null when none).
nlohmann::json cached_bundle(node_api::impl& api, const std::string& event_id) {
  std::lock_guard<std::mutex> lock(api.event_mutex);
  auto it = api.events.find(event_id);
  if (it == api.events.end()) return nullptr;
  return nlohmann::json::parse(it->second.bundle, nullptr, false);
}

/// Checks, caches and hands over the fetched bundle. Sub-events and vouchers fetched earlier are
/// kept: orders queued with them are synced after this refresh.
void finish_bundle(const std::shared_ptr<bundle_fetch>& f) {
  auto old = cached_bundle(*f->api, f->event_id);
  for (const char* key : {"subevents", "vouchers"}) {
    f->bundle[key] = old.is_object() && old.contains(key) && old[key].is_array()
                         ? old[key]
                         : nlohmann::json::array();
  }
  std::string text = f->bundle.dump();
  if (auto problem = bundle_problem(text); !problem.empty()) {
    return f->done("", "reading the event bundle", {0, "", problem, true});
  }
  {
    std::lock_guard<std::mutex> lock(f->api->event_mutex);
    f->api->events[f->event_id] = {text, std::chrono::steady_clock::now()};
  }
  f->done(std::move(text), "", {});
}

/// Fetches every page of the list endpoints, one after the other, into the bundle.
void fetch_lists(std::shared_ptr<bundle_fetch> f, std::size_t next) {
  static const std::pair<const char*, const char*> lists[] = {
      {"items", "items/"}, {"questions", "questions/"}, {"checkinlists", "checkinlists/"}};
  if (next == std::size(lists)) return finish_bundle(f);
  const auto [key, path] = lists[next];
  f->shop->get_all(f->base + path,
                   [f, next, key = std::string(key)](pretix_answer a, nlohmann::json results) {
                     if (a.status != 200) return f->done("", "fetching the " + key, std::move(a));
                     f->bundle[key] = std::move(results);
                     fetch_lists(f, next + 1);
                   });
}

/// The JSON object pretix answered, or null with `failure` set.
nlohmann::json object_of(pretix_answer& a, const std::string& what) {
  auto value = nlohmann::json::parse(a.body, nullptr, false);
  if (!value.is_object()) {
    a = {0, "", "the " + what + " is not a JSON object", true};
    return nullptr;
  }
  return value;
}

void fetch_settings(std::shared_ptr<bundle_fetch> f) {
  f->shop->get(f->base + "settings/", [f](pretix_answer a) {
    if (a.status != 200) return f->done("", "fetching the event settings", std::move(a));
    auto all = object_of(a, "event settings");
    if (all.is_null()) return f->done("", "fetching the event settings", std::move(a));
    nlohmann::json settings = nlohmann::json::object();
    for (const char* key : bundle_settings) {
      if (all.contains(key)) settings[key] = all[key];
    }
    f->bundle["settings"] = std::move(settings);
    fetch_lists(f, 0);
  });
}

}  // namespace

void fetch_event_bundle(node_api::impl& api, std::shared_ptr<pretix_client> shop,
                        const std::string& organizer, const std::string& event, bundle_done done) {
  auto f = std::make_shared<bundle_fetch>(
      bundle_fetch{&api, std::move(shop), "", organizer + "/" + event, nullptr, std::move(done)});
  try {
    f->base = pretix_event_path(organizer, event);
  } catch (const std::invalid_argument& e) {
    return f->done("", "checking the event", {0, "", e.what(), true});
  }
  f->bundle = {{"organizer", organizer}};
  f->shop->get(f->base, [f](pretix_answer a) {
    if (a.status != 200) return f->done("", "fetching the event", std::move(a));
    auto event_json = object_of(a, "event");
    if (event_json.is_null()) return f->done("", "fetching the event", std::move(a));
    f->bundle["event"] = std::move(event_json);
    fetch_settings(f);
  });
}

namespace {

/// A sub-event or voucher an order references and the bundle lacks.
struct missing_ref {
  const char* key;   ///< "subevents" or "vouchers"
  const char* noun;  ///< "sub-event" or "voucher"
  std::int64_t id;
};

/// The ids `orders` reference under `field` of their positions that `list` lacks.
void add_missing(const nlohmann::json& orders, const char* field, const char* key, const char* noun,
                 const nlohmann::json& list, std::vector<missing_ref>& out) {
  std::set<std::int64_t> known, wanted;
  for (const auto& entry : list) {
    if (entry.is_object() && entry.contains("id") && entry["id"].is_number_integer()) {
      known.insert(entry["id"].get<std::int64_t>());
    }
  }
  for (const auto& order : orders) {
    if (!order.is_object() || !order.contains("positions") || !order["positions"].is_array())
      continue;
    for (const auto& p : order["positions"]) {
      if (!p.is_object() || !p.contains(field) || !p[field].is_number_integer()) continue;
      const auto id = p[field].get<std::int64_t>();
      if (!known.count(id) && wanted.insert(id).second) out.push_back({key, noun, id});
    }
  }
}

struct ref_fetch {
  node_api::impl* api;
  std::shared_ptr<pretix_client> shop;
  std::string base, event_id;
  std::vector<missing_ref> missing;
  std::vector<std::pair<const char*, nlohmann::json>> fetched;
  reference_done done;
};

/// Merges what was fetched into the current cached bundle (other calls may have added to it
/// meanwhile), keeps the newest `referenced_kept` of each kind, and hands the result over.
void merge_fetched(const std::shared_ptr<ref_fetch>& f, std::string bundle_text) {
  auto bundle = cached_bundle(*f->api, f->event_id);
  if (!bundle.is_object()) bundle = nlohmann::json::parse(bundle_text, nullptr, false);
  for (auto& [key, value] : f->fetched) {
    auto& list = bundle[key];
    if (!list.is_array()) list = nlohmann::json::array();
    list.push_back(std::move(value));
    if (list.size() > referenced_kept) list.erase(list.begin());
  }
  std::string text = bundle.dump();
  if (auto problem = bundle_problem(text); !problem.empty()) {
    return f->done("", false, "reading the event bundle", {0, "", problem, true});
  }
  {
    std::lock_guard<std::mutex> lock(f->api->event_mutex);
    auto& cached = f->api->events[f->event_id];
    if (cached.bundle.empty()) cached.fetched = std::chrono::steady_clock::now();
    cached.bundle = text;
  }
  f->done(std::move(text), true, "", {});
}

/// Fetches `missing[next]` and the ones after it; a 404 leaves the id out (the sync then names
/// the missing sub-event or voucher).
void fetch_refs(std::shared_ptr<ref_fetch> f, std::size_t next, std::string bundle_text) {
  if (next == f->missing.size()) return merge_fetched(f, std::move(bundle_text));
  const auto ref = f->missing[next];
  const std::string noun = std::string(ref.noun) + " " + std::to_string(ref.id);
  const std::string what = "fetching " + noun;
  f->shop->get(
      f->base + ref.key + "/" + std::to_string(ref.id) + "/",
      [f, next, ref, noun, what, bundle_text = std::move(bundle_text)](pretix_answer a) mutable {
        if (a.status == 200) {
          auto value = object_of(a, noun);
          if (value.is_null()) return f->done("", false, what, std::move(a));
          f->fetched.emplace_back(ref.key, std::move(value));
        } else if (a.status != 404) {
          return f->done("", false, what, std::move(a));
        }
        fetch_refs(f, next + 1, std::move(bundle_text));
      });
}

}  // namespace

void add_referenced(node_api::impl& api, std::shared_ptr<pretix_client> shop,
                    const std::string& organizer, const std::string& event, std::string bundle,
                    const nlohmann::json& orders, reference_done done) {
  auto parsed = nlohmann::json::parse(bundle, nullptr, false);
  std::vector<missing_ref> missing;
  if (parsed.is_object()) {
    add_missing(orders, "subevent", "subevents", "sub-event",
                parsed.value("subevents", nlohmann::json()), missing);
    add_missing(orders, "voucher", "vouchers", "voucher",
                parsed.value("vouchers", nlohmann::json()), missing);
  }
  if (missing.empty()) return done(std::move(bundle), false, "", {});
  if (missing.size() > referenced_per_call) {
    return done(
        "", false, "fetching sub-events and vouchers",
        {0, "",
         "the orders reference more than " + std::to_string(referenced_per_call) + " unknown ones",
         true});
  }
  auto f = std::make_shared<ref_fetch>(ref_fetch{&api,
                                                 std::move(shop),
                                                 pretix_event_path(organizer, event),
                                                 organizer + "/" + event,
                                                 std::move(missing),
                                                 {},
                                                 std::move(done)});
  fetch_refs(f, 0, std::move(bundle));
}

namespace {

/// The ids of the entries of `list`.
std::set<std::int64_t> ids_of(const nlohmann::json& list) {
  std::set<std::int64_t> ids;
  if (!list.is_array()) return ids;
  for (const auto& entry : list) {
    if (entry.is_object() && entry.contains("id") && entry["id"].is_number_integer()) {
      ids.insert(entry["id"].get<std::int64_t>());
    }
  }
  return ids;
}

/// `bundle` with the sub-events and vouchers of `stored` it lacks, first (they are older).
std::string with_stored_references(const std::string& bundle,
                                   const std::optional<std::string>& stored) {
  if (!stored) return bundle;
  const auto old = nlohmann::json::parse(*stored, nullptr, false);
  auto merged = nlohmann::json::parse(bundle, nullptr, false);
  if (!old.is_object() || !merged.is_object()) return bundle;
  bool changed = false;
  for (const char* key : {"subevents", "vouchers"}) {
    if (!old.contains(key)) continue;
    auto& list = merged[key];
    if (!list.is_array()) list = nlohmann::json::array();
    const auto known = ids_of(list);
    nlohmann::json kept = nlohmann::json::array();
    for (const auto& entry : old[key]) {
      if (!entry.is_object() || !entry.contains("id") || !entry["id"].is_number_integer()) continue;
      if (!known.count(entry["id"].get<std::int64_t>())) kept.push_back(entry);
    }
    if (kept.empty()) continue;
    for (auto& entry : list) kept.push_back(std::move(entry));
    while (kept.size() > referenced_kept) kept.erase(kept.begin());
    list = std::move(kept);
    changed = true;
  }
  return changed ? merged.dump() : bundle;
}

}  // namespace

persistence::status store_fetched_bundle(persistence::snapshot_store& snapshots,
                                         const std::string& event_id, const std::string& bundle) {
  return snapshots.put_event_merged(event_id, [&bundle](const std::optional<std::string>& stored) {
    return with_stored_references(bundle, stored);
  });
}

std::string cached_event_bundle(node_api::impl& api, const std::string& event_id, bool fresh_only) {
  std::lock_guard<std::mutex> lock(api.event_mutex);
  auto it = api.events.find(event_id);
  if (it == api.events.end() ||
      (fresh_only &&
       std::chrono::steady_clock::now() - it->second.fetched >= api.options.event_cache_ttl)) {
    return "";
  }
  return it->second.bundle;
}

}  // namespace tixsync::api
