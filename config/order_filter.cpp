// order_filter: the per-order decision of a configured provider; the first rule an order fails
// is its refusal.
#include "config/order_filter.hpp"

#include <algorithm>

namespace tixsync::config {
namespace {

bool listed(const std::vector<std::string>& list, const std::string& value) {
  return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

const std::vector<std::pair<std::string, std::string>>& order_status_codes() {
  static const std::vector<std::pair<std::string, std::string>> codes{
      {"n", "pending"}, {"p", "paid"}, {"e", "expired"}, {"c", "canceled"}};
  return codes;
}

std::string order_filter::refusal(const mapping::order& order) const {
  if (!listed(statuses, order.status)) return "status '" + order.status + "' is not synced";
  if (order.testmode && !test_mode) return "test-mode orders are not synced";
  if (!listed(sales_channels, order.sales_channel)) {
    return "sales channel '" + order.sales_channel + "' is not synced";
  }
  if (order.require_approval && order.status == "n" && !awaiting_approval) {
    return "orders awaiting approval are not synced";
  }
  return "";
}

}  // namespace tixsync::config
