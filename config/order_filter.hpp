// Which orders a configured provider syncs: the decisions pretix's providers make per order in
// should_sync_order (status, test mode, sales channel, awaiting approval), as settings. Evaluated
// on the order as it is when it is synced, not when it was enqueued.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "mapping/order.hpp"

namespace tixsync::config {

/// pretix's order status codes with their names: n pending, p paid, e expired, c canceled.
const std::vector<std::pair<std::string, std::string>>& order_status_codes();

/// The orders a provider syncs (`[providers.orders]`); the defaults sync every order.
struct order_filter {
  /// Status codes synced (n, p, e, c); empty: every status.
  std::vector<std::string> statuses;
  /// Orders placed while the event was in test mode (`testmode`).
  bool test_mode = true;
  /// pretix sales channel identifiers synced ("web", "pretixpos", ...); empty: every channel.
  std::vector<std::string> sales_channels;
  /// Orders awaiting the organizer's approval (`require_approval` and status n).
  bool awaiting_approval = true;

  /// True when the provider syncs `order`.
  bool accepts(const mapping::order& order) const { return refusal(order).empty(); }
  /// "" when `order` is synced, else why not ("status 'n' is not synced").
  std::string refusal(const mapping::order& order) const;
};

}  // namespace tixsync::config
