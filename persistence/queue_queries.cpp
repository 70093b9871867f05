// queue_store: reading the queue for people and dashboards: one order's items, pages of items by
// state or event, counts per state and event, and parked items grouped by cause.
#include <algorithm>

#include "persistence/queue_codec.hpp"
#include "persistence/queue_internal.hpp"
#include "persistence/queue_store.hpp"

namespace tixsync::persistence {
namespace {

using argv = std::vector<std::string>;

// The id part of a parked-index member "state:cause|id".
std::string parked_id(const std::string& member) {
  return member.substr(member.rfind('|') + 1);
}

std::vector<std::string> strings_of(const redis_value& v) {
  std::vector<std::string> out;
  for (const auto& e : v.elements) out.push_back(e.str);
  return out;
}

}  // namespace

status_or<std::vector<queue_item>> queue_store::load_items(const std::string& provider,
                                                           const std::vector<std::string>& ids,
                                                           std::int64_t now_ms) {
  const auto keys = options_.keys.queue(provider);
  std::vector<argv> cmds;
  for (const auto& id : ids) {
    cmds.push_back({"HGET", keys.items, id});
    cmds.push_back({"HGET", keys.running, id});
  }
  auto replies = connection_.pipeline(cmds);
  if (!replies) return replies.error();
  std::vector<queue_item> out;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    item_ref ref;
    if (!parse_item_id(provider, ids[i], ref)) continue;
    const auto& waiting = (*replies)[2 * i];
    const auto& running = (*replies)[2 * i + 1];
    if (running.type == redis_value::kind::string) {
      auto item = decode_item(ref, running.str, {true, false, now_ms});
      if (!item) return item.error();
      out.push_back(std::move(*item));
    }
    if (waiting.type == redis_value::kind::string) {
      auto item = decode_item(ref, waiting.str, {false, !running.is_nil(), now_ms});
      if (!item) return item.error();
      out.push_back(std::move(*item));
    }
  }
  return out;
}

status_or<order_items> queue_store::get(const item_ref& ref, std::int64_t now_ms) {
  if (auto s = validate(ref); !s) return s;
  auto items = load_items(ref.provider, {ref.id()}, now_ms);
  if (!items) return items.error();
  order_items out;
  for (auto& item : *items) {
    if (item.state == item_state::in_flight)
      out.in_flight = std::move(item);
    else
      out.waiting = std::move(item);
  }
  return out;
}

status_or<item_page> queue_store::list(const std::string& provider, const list_query& query,
                                       std::int64_t now_ms) {
  if (auto s = check_provider(provider); !s) return s;
  const int filters = query.state.has_value() + query.event.has_value() + query.parked;
  if (query.limit < 1 || query.limit > 1000 || filters != 1) {
    return status(persistence_errc::invalid_argument,
                  "list needs one of a state, an event or parked, and a limit of 1..1000");
  }
  const auto k = options_.keys.queue(provider);
  const std::string off = std::to_string(query.offset), lim = std::to_string(query.limit);
  const std::string now = std::to_string(now_ms);
  std::vector<argv> cmds;
  if (query.event) {
    if (auto s = validate_identifier("event", *query.event, true); !s) return s;
    const std::string lo = "[" + *query.event + ":", hi = "(" + *query.event + ";";
    cmds = {{"ZLEXCOUNT", k.by_event, lo, hi},
            {"ZRANGEBYLEX", k.by_event, lo, hi, "LIMIT", off, lim}};
  } else if (query.parked) {
    // The parked index holds every park state; its members sort by state, then cause.
    cmds = {{"ZCARD", k.parked},
            {"ZRANGE", k.parked, off, std::to_string(query.offset + query.limit - 1)}};
  } else if (*query.state == item_state::due) {
    // ready first (claim order), then scheduled items whose time has come (not yet promoted)
    cmds = {{"ZCARD", k.ready},
            {"ZCOUNT", k.schedule, "-inf", now},
            {"ZRANGE", k.ready, off, std::to_string(query.offset + query.limit - 1)},
            {"ZRANGEBYSCORE", k.schedule, "-inf", now, "LIMIT", "0",
             std::to_string(query.offset + query.limit)}};
  } else if (*query.state == item_state::scheduled || *query.state == item_state::follow_up) {
    const bool later = *query.state == item_state::scheduled;
    const std::string lo = later ? "(" + now : "+inf", hi = later ? "(+inf" : "+inf";
    cmds = {{"ZCOUNT", k.schedule, lo, hi},
            {"ZRANGEBYSCORE", k.schedule, lo, hi, "LIMIT", off, lim}};
  } else if (*query.state == item_state::in_flight) {
    cmds = {{"ZCARD", k.leases},
            {"ZRANGE", k.leases, off, std::to_string(query.offset + query.limit - 1)}};
  } else {
    const std::string st = to_string(*query.state);
    const std::string lo = "[" + st + ":", hi = "(" + st + ";";
    cmds = {{"ZLEXCOUNT", k.parked, lo, hi}, {"ZRANGEBYLEX", k.parked, lo, hi, "LIMIT", off, lim}};
  }
  auto replies = connection_.pipeline(cmds);
  if (!replies) return replies.error();
  for (const auto& r : *replies) {
    if (r.is_error()) return status(persistence_errc::server_error, r.str);
  }
  item_page page;
  std::vector<std::string> ids;
  if (cmds.size() == 4) {  // due: stitch ready and not-yet-promoted scheduled items
    const auto ready = static_cast<std::size_t>((*replies)[0].integer);
    page.total = ready + static_cast<std::size_t>((*replies)[1].integer);
    ids = strings_of((*replies)[2]);
    auto later = strings_of((*replies)[3]);
    std::size_t skip = query.offset > ready ? query.offset - ready : 0;
    for (std::size_t i = skip; i < later.size() && ids.size() < query.limit; ++i) {
      ids.push_back(later[i]);
    }
  } else {
    page.total = static_cast<std::size_t>((*replies)[0].integer);
    ids = strings_of((*replies)[1]);
  }
  if (query.parked || (query.state && *query.state >= item_state::exceeded)) {
    for (auto& id : ids) id = parked_id(id);
  }
  auto items = load_items(provider, ids, now_ms);
  if (!items) return items.error();
  for (auto& item : *items) {
    const bool wanted = query.parked ? item.state >= item_state::exceeded
                                     : !query.state || item.state == *query.state;
    if (wanted) page.items.push_back(std::move(item));
  }
  return page;
}

status_or<queue_counts> queue_store::count(const std::string& provider, std::int64_t now_ms) {
  if (auto s = check_provider(provider); !s) return s;
  const auto k = options_.keys.queue(provider);
  const std::string now = std::to_string(now_ms);
  std::vector<argv> cmds = {{"ZCARD", k.ready},
                            {"ZCOUNT", k.schedule, "-inf", now},
                            {"ZCOUNT", k.schedule, "(" + now, "(+inf"},
                            {"ZCOUNT", k.schedule, "+inf", "+inf"},
                            {"ZCARD", k.leases}};
  const park_state parked[] = {park_state::exceeded, park_state::permanent, park_state::config,
                               park_state::internal, park_state::timeout};
  for (auto s : parked) {
    cmds.push_back({"ZLEXCOUNT", k.parked, std::string("[") + to_string(s) + ":",
                    std::string("(") + to_string(s) + ";"});
  }
  auto r = connection_.pipeline(cmds);
  if (!r) return r.error();
  for (const auto& v : *r) {
    if (v.type != redis_value::kind::integer) return status(persistence_errc::server_error, v.str);
  }
  queue_counts counts;
  counts.by_state[item_state::due] = (*r)[0].integer + (*r)[1].integer;
  counts.by_state[item_state::scheduled] = (*r)[2].integer;
  counts.by_state[item_state::follow_up] = (*r)[3].integer;
  counts.by_state[item_state::in_flight] = (*r)[4].integer;
  for (int i = 0; i < 5; ++i) counts.by_state[as_item_state(parked[i])] = (*r)[5 + i].integer;
  return counts;
}

std::int64_t queue_counts::total() const {
  std::int64_t sum = 0;
  for (const auto& [state, n] : by_state) sum += n;
  return sum;
}

// Walks the by_event index event by event: the first id after the previous event names the next
// one, ZLEXCOUNT counts its orders. Two commands per event, bounded to 10,000 events.
status_or<std::map<std::string, std::int64_t>> queue_store::count_by_event(
    const std::string& provider) {
  if (auto s = check_provider(provider); !s) return s;
  const auto k = options_.keys.queue(provider);
  std::map<std::string, std::int64_t> out;
  std::string from = "-";
  for (int guard = 0; guard < 10'000; ++guard) {
    auto first = connection_.command({"ZRANGEBYLEX", k.by_event, from, "+", "LIMIT", "0", "1"});
    if (!first) return first.error();
    if (!first->is_array() || first->elements.empty()) break;
    const std::string& id = first->elements[0].str;
    const std::string event = id.substr(0, id.find(':'));
    from = "(" + event + ";";
    auto n = connection_.command({"ZLEXCOUNT", k.by_event, "[" + event + ":", from});
    if (!n) return n.error();
    out[event] = n->integer;
  }
  return out;
}

status_or<std::vector<cause_group>> queue_store::causes(const std::string& provider) {
  if (auto s = check_provider(provider); !s) return s;
  auto all = connection_.command({"HGETALL", options_.keys.queue(provider).causes});
  if (!all) return all.error();
  std::vector<cause_group> out;
  for (std::size_t i = 0; i + 1 < all->elements.size(); i += 2) {
    const std::string& field = all->elements[i].str;
    cause_group g;
    auto colon = field.find(':');
    if (colon == std::string::npos || !parse_park_state(field.substr(0, colon), g.state)) continue;
    g.cause = field.substr(colon + 1);
    g.count = std::stoll(all->elements[i + 1].str);
    out.push_back(std::move(g));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const cause_group& a, const cause_group& b) { return a.count > b.count; });
  return out;
}

}  // namespace tixsync::persistence
