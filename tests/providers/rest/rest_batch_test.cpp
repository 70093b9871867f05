// The REST provider's batched path over a scripted transport: objects of many orders gathered
// into one call (by max_batch or after max_linger), each object's outcome from the answer matched
// by id value (reordered, missing, extra and unknown records, 207 errors), whole-batch failures,
// the batch read for update modes (same merge as the per-object chain), create and update after
// a read, one id value per call, the rate token each call takes (a due batch takes its objects
// when its token is there), and the config checks of the batch section.
#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "mapping/assign_properties.hpp"
#include "providers/rest/batch_answer.hpp"
#include "tests/providers/provider_test_support.hpp"
#include "tests/providers/rest/rest_test_support.hpp"
#include "tests/support/eventually.hpp"

namespace tixsync::providers::rest::testing {
namespace {

using mapping::property_value;

/// [providers.rest] with one batched Contact type, upserted by e-mail on a HubSpot-like API.
json batched_settings(int max_batch = 100, const std::string& linger = "20ms") {
  json settings = contact_settings();
  settings["objects"]["Contact"]["batch"] = {
      {"max_batch", max_batch},
      {"max_linger", linger},
      {"result_key", "properties.email"},
      {"result_fields", "properties"},
      {"read",
       {{"url", "/batch/read"},
        {"body", {{"idProperty", "email"}, {"inputs", "{inputs}"}}},
        {"input", {{"id", "{id_value}"}}}}},
      {"write",
       {{"url", "/batch/upsert"},
        {"body", {{"inputs", "{inputs}"}}},
        {"input",
         {{"idProperty", "email"}, {"id", "{id_value}"}, {"properties", "{properties}"}}}}}};
  return settings;
}

/// A record as a HubSpot-like API answers it.
json record(const std::string& id, const std::string& email, json properties = json::object()) {
  properties["email"] = email;
  return {{"id", id}, {"properties", properties}};
}

/// A provider over a scripted transport whose answers come from `answer`; collects outcomes.
class batch_fixture {
 public:
  using script = std::function<http::http_result(const http::http_request&)>;

  explicit batch_fixture(json settings = batched_settings(),
                         std::vector<mapping::mapping_definition> mappings = {contact_mapping()},
                         call_pacer pacer = {})
      : answer_(std::make_shared<script>()) {
    auto answer = answer_;
    transport = std::make_shared<scripted_transport>(
        [answer](const http::http_request& request) { return (*answer)(request); });
    auto section = make_section("rest", std::move(settings), std::move(mappings));
    section.list_joiner = ",";
    build_options options{"providers[0]", fake_env({{"CRM_TOKEN", crm_token}})};
    options.batch_pacer = std::move(pacer);
    provider = build_rest_provider(section, transport, log.sink(), options);
  }
  ~batch_fixture() {
    provider->close();
    EXPECT_TRUE(transport->wait_idle());
  }

  void answer_with(script s) { *answer_ = std::move(s); }

  /// Hands an object with this e-mail to the provider; its result lands in results[email#n].
  void add(const std::string& email, std::vector<property_value> properties = {}) {
    add(make_request(email, std::move(properties)));
  }
  void add(object_request request) {
    const std::string slot =
        request.id_value().get<std::string>() + "#" + std::to_string(next_slot_++);
    provider->sync_object(std::move(request),
                          make_object_completion([this, slot](object_result result) {
                            std::lock_guard<std::mutex> lock(mutex_);
                            results_.emplace(slot, std::move(result));
                          }));
  }
  /// A request of the provider's last mapping with this id value.
  object_request make_request(const std::string& email, std::vector<property_value> properties) {
    auto order =
        std::const_pointer_cast<mapping::order>(providers::testing::make_order("ABC12", {11, 12}));
    return providers::testing::make_request(
        *provider, order,
        providers::testing::make_object(provider->mappings().back(), std::nullopt, email,
                                        std::move(properties)));
  }

  /// Waits (bounded) until `n` results arrived; a copy of them by slot ("email#n").
  std::map<std::string, object_result> wait_results(std::size_t n) {
    EXPECT_TRUE(tixsync::testing::eventually([&] {
      std::lock_guard<std::mutex> lock(mutex_);
      return results_.size() >= n;
    }));
    std::lock_guard<std::mutex> lock(mutex_);
    return results_;
  }
  std::vector<json> bodies() const {
    std::vector<json> out;
    for (const auto& r : transport->requests()) out.push_back(json::parse(r.body));
    return out;
  }

  std::shared_ptr<scripted_transport> transport;
  std::shared_ptr<rest_provider> provider;
  log_lines log;

 private:
  std::shared_ptr<script> answer_;
  std::mutex mutex_;
  std::map<std::string, object_result> results_;
  int next_slot_ = 0;
};

/// Answers an upsert with every input's record, in reverse order, ids "id-<email>".
http::http_result upsert_all(const http::http_request& request) {
  json results = json::array();
  const json body = json::parse(request.body);
  for (const auto& input : body["inputs"]) {
    const std::string email = input["id"];
    results.insert(results.begin(), record("id-" + email, email, input["properties"]));
  }
  return respond(200, json{{"status", "COMPLETE"}, {"results", results}}.dump());
}

std::string external_id(const object_result& result) {
  return result.outcome ? result.outcome->sync_info.value("external_id", "") : "";
}

TEST(rest_batch, objects_of_many_orders_go_in_one_call_after_the_linger_and_results_match_by_id) {
  batch_fixture f(batched_settings(100, "30ms"));
  f.answer_with(upsert_all);
  for (const char* email : {"a@example.org", "b@example.org", "c@example.org"}) f.add(email);
  const auto results = f.wait_results(3);
  ASSERT_EQ(f.transport->calls(), std::vector<std::string>{"POST http://crm.test/batch/upsert"});
  EXPECT_EQ(f.bodies()[0]["inputs"].size(), 3u);
  EXPECT_EQ(f.bodies()[0]["inputs"][0]["properties"]["email"], "a@example.org");
  for (const auto& [slot, result] : results) {
    ASSERT_TRUE(result.ok()) << slot << ": " << result.error->summary();
    EXPECT_EQ(external_id(result), "id-" + slot.substr(0, slot.find('#')));
    EXPECT_EQ(result.outcome->sync_info["action"], "upserted");
    EXPECT_EQ(result.outcome->external_link_href,
              "https://crm.example.org/contacts/" + percent_encode(external_id(result)));
  }
}

TEST(rest_batch, a_full_batch_goes_at_once_and_the_rest_waits_for_the_next_call) {
  batch_fixture f(batched_settings(2, "1m"));  // only max_batch or close() can send
  f.answer_with(upsert_all);
  for (const char* email : {"a@example.org", "b@example.org", "c@example.org"}) f.add(email);
  EXPECT_TRUE(tixsync::testing::eventually([&] { return f.transport->calls().size() == 1; }));
  f.provider->close();  // sends what waits
  const auto results = f.wait_results(3);
  ASSERT_EQ(f.transport->calls().size(), 2u);
  EXPECT_EQ(f.bodies()[0]["inputs"].size(), 2u);
  EXPECT_EQ(f.bodies()[1]["inputs"].size(), 1u);
  for (const auto& [slot, result] : results) EXPECT_TRUE(result.ok()) << slot;
}

TEST(rest_batch, one_id_value_is_never_twice_in_a_call_nor_in_two_calls_at_once) {
  batch_fixture f(batched_settings(100, "10ms"));
  f.answer_with(upsert_all);
  f.add("a@example.org");
  f.add("a@example.org");
  f.add("b@example.org");
  const auto results = f.wait_results(3);
  ASSERT_EQ(f.transport->calls().size(), 2u);
  EXPECT_EQ(f.bodies()[0]["inputs"].size(), 2u);
  EXPECT_EQ(f.bodies()[1]["inputs"].size(), 1u);
  EXPECT_EQ(f.bodies()[1]["inputs"][0]["id"], "a@example.org");
  for (const auto& [slot, result] : results) EXPECT_TRUE(result.ok()) << slot;
}

TEST(rest_batch, missing_extra_and_refused_records_fail_only_their_own_objects) {
  batch_fixture f;
  f.answer_with([](const http::http_request&) {
    json body = {
        {"status", "COMPLETE"},
        {"results",
         {record("9", "stranger@example.org"), record("2", "b@example.org"),
          record("1", "a@example.org")}},
        {"numErrors", 2},
        {"errors",
         {{{"status", "error"},
           {"category", "VALIDATION_ERROR"},
           {"message", "Property values were not valid"},
           {"context", {{"ids", {"c@example.org"}}}}},
          {{"status", "error"}, {"message", "who?"}, {"context", {{"ids", {"x@example.org"}}}}}}}};
    return respond(207, body.dump());
  });
  for (const char* email : {"a@example.org", "b@example.org", "c@example.org", "d@example.org"}) {
    f.add(email);
  }
  const auto results = f.wait_results(4);
  ASSERT_EQ(f.transport->calls().size(), 1u);
  EXPECT_EQ(external_id(results.at("a@example.org#0")), "1");
  EXPECT_EQ(external_id(results.at("b@example.org#1")), "2");
  const auto& refused = results.at("c@example.org#2");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error->kind, sync_error_kind::unrecoverable);
  EXPECT_EQ(refused.error->signature, "batch-record-error");
  EXPECT_NE(refused.error->summary().find("Property values were not valid"), std::string::npos)
      << refused.error->summary();
  const auto& missing = results.at("d@example.org#3");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error->kind, sync_error_kind::recoverable);
  EXPECT_EQ(missing.error->signature, "batch-record-missing");
  bool warned = false;
  for (const auto& line : f.log.lines()) {
    warned =
        warned || line.find("1 record(s) and 1 error(s) that match no object") != std::string::npos;
  }
  EXPECT_TRUE(warned);
}

TEST(rest_batch, a_whole_batch_failure_fails_every_object_with_the_same_classified_error) {
  struct failure {
    http::http_result answer;
    sync_error_kind kind;
    std::string signature;
  };
  const std::vector<failure> failures{
      {respond(503, "busy", {{"Retry-After", "7"}}), sync_error_kind::recoverable, "http-503"},
      {respond(429, "{}", {{"Retry-After", "3"}}), sync_error_kind::rate_limited, "http-429"},
      {transport_failure(http::transport_error_kind::timeout), sync_error_kind::recoverable,
       "timeout"}};
  for (const auto& fail : failures) {
    batch_fixture f;
    f.answer_with([&](const http::http_request&) { return fail.answer; });
    f.add("a@example.org");
    f.add("b@example.org");
    const auto results = f.wait_results(2);
    ASSERT_EQ(f.transport->calls().size(), 1u) << fail.signature;
    for (const auto& [slot, result] : results) {
      ASSERT_FALSE(result.ok()) << fail.signature;
      EXPECT_EQ(result.error->kind, fail.kind) << fail.signature;
      EXPECT_EQ(result.error->signature, fail.signature);
      EXPECT_EQ(all_text(result).find(crm_token), std::string::npos);
    }
    EXPECT_EQ(results.begin()->second.error->retry_at, results.rbegin()->second.error->retry_at);
  }
}

TEST(rest_batch, a_2xx_answer_that_cannot_be_read_parks_every_object_as_the_per_object_path_does) {
  const std::vector<std::string> unreadable{"<html>gateway</html>",
                                            R"({"results": [{"id": "1", "prop)"};
  for (const auto& body : unreadable) {
    batch_fixture single(contact_settings());
    single.answer_with([&](const http::http_request&) { return respond(200, body); });
    single.add("a@example.org");
    const auto alone = single.wait_results(1).begin()->second;
    ASSERT_FALSE(alone.ok()) << body;
    EXPECT_EQ(alone.error->kind, sync_error_kind::unrecoverable) << body;

    batch_fixture f;
    f.answer_with([&](const http::http_request&) { return respond(200, body); });
    f.add("a@example.org");
    f.add("b@example.org");
    const auto results = f.wait_results(2);
    ASSERT_EQ(f.transport->calls().size(), 1u) << body;
    for (const auto& [slot, result] : results) {
      ASSERT_FALSE(result.ok()) << body;
      // Not retried: the retry policy parks it at once, as it parks the single object.
      EXPECT_EQ(result.error->kind, alone.error->kind) << body;
      EXPECT_EQ(result.error->signature, alone.error->signature) << body;
      EXPECT_NE(result.error->summary().find("HTTP 200, but the body is not JSON"),
                std::string::npos)
          << result.error->summary();
      EXPECT_EQ(all_text(result).find(crm_token), std::string::npos);
    }
  }
  // JSON without the list of records is no answer either.
  batch_fixture f;
  f.answer_with(
      [](const http::http_request&) { return respond(200, R"({"status": "COMPLETE"})"); });
  f.add("a@example.org");
  const auto result = f.wait_results(1).begin()->second;
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error->kind, sync_error_kind::unrecoverable);
  EXPECT_EQ(result.error->signature, "bad-response");
}

/// A pacer that holds every token request until the test answers it.
class held_pacer {
 public:
  using go = std::function<void(std::optional<sync_error>)>;
  call_pacer pacer() {
    return [this](go g) {
      std::lock_guard<std::mutex> lock(mutex_);
      held_.push_back(std::move(g));
    };
  }
  std::size_t held() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return held_.size();
  }
  /// Answers the oldest request.
  void answer(std::optional<sync_error> refusal = std::nullopt) {
    go g;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      g = std::move(held_.front());
      held_.erase(held_.begin());
    }
    g(std::move(refusal));
  }

 private:
  mutable std::mutex mutex_;
  std::vector<go> held_;
};

TEST(rest_batch, a_due_batch_takes_its_token_first_and_its_objects_when_the_token_is_there) {
  held_pacer tokens;
  batch_fixture f(batched_settings(100, "10ms"), {contact_mapping()}, tokens.pacer());
  f.answer_with(upsert_all);
  f.add("a@example.org");
  // After the linger the batch asks for one token; objects arriving meanwhile join it.
  ASSERT_TRUE(tixsync::testing::eventually([&] { return tokens.held() == 1; }));
  f.add("b@example.org");
  f.add("c@example.org");
  EXPECT_TRUE(f.transport->calls().empty());
  tokens.answer();
  const auto results = f.wait_results(3);
  ASSERT_EQ(f.transport->calls().size(), 1u);
  EXPECT_EQ(f.bodies()[0]["inputs"].size(), 3u);
  for (const auto& [slot, result] : results) EXPECT_TRUE(result.ok()) << slot;
  EXPECT_EQ(tokens.held(), 0u);
}

TEST(rest_batch, a_refused_token_answers_the_batch_objects_with_the_refusal) {
  held_pacer tokens;
  batch_fixture f(batched_settings(100, "10ms"), {contact_mapping()}, tokens.pacer());
  f.answer_with(upsert_all);
  f.add("a@example.org");
  f.add("b@example.org");
  ASSERT_TRUE(tixsync::testing::eventually([&] { return tokens.held() == 1; }));
  sync_error refusal =
      make_sync_error(sync_error_kind::rate_limited, "Waiting", "max_wait", "local-rate-limit");
  tokens.answer(refusal);
  const auto results = f.wait_results(2);
  EXPECT_TRUE(f.transport->calls().empty());
  for (const auto& [slot, result] : results) {
    ASSERT_FALSE(result.ok()) << slot;
    EXPECT_EQ(result.error->kind, sync_error_kind::rate_limited);
    EXPECT_EQ(result.error->signature, "local-rate-limit");
  }
}

TEST(rest_batch, a_read_and_its_write_each_take_a_token) {
  held_pacer tokens;
  batch_fixture f(batched_settings(100, "10ms"), {contact_mapping()}, tokens.pacer());
  f.answer_with([&](const http::http_request& request) {
    if (request.url == "http://crm.test/batch/read") {
      return respond(200, json{{"results", json::array()}}.dump());
    }
    return upsert_all(request);
  });
  f.add("a@example.org", {{"name", "Lena", mapping::mode_if_empty}});
  ASSERT_TRUE(tixsync::testing::eventually([&] { return tokens.held() == 1; }));
  tokens.answer();  // the read
  ASSERT_TRUE(tixsync::testing::eventually([&] { return tokens.held() == 1; }));
  EXPECT_EQ(f.transport->calls(), std::vector<std::string>{"POST http://crm.test/batch/read"});
  tokens.answer();  // the upsert
  const auto results = f.wait_results(1);
  EXPECT_TRUE(results.begin()->second.ok());
  EXPECT_EQ(f.transport->calls().size(), 2u);
}

TEST(rest_batch, update_modes_read_first_and_merge_exactly_as_assign_properties_does) {
  batch_fixture f;
  const json existing_a = {{"email", "a@example.org"}, {"name", "Anna"}, {"orders", "X1"}};
  f.answer_with([&](const http::http_request& request) {
    if (request.url == "http://crm.test/batch/read") {
      json body = {{"results", {record("1", "a@example.org", existing_a)}},
                   {"errors",
                    {{{"category", "OBJECT_NOT_FOUND"},
                      {"message", "not found"},
                      {"context", {{"ids", {"b@example.org"}}}}}}}};
      return respond(207, body.dump());
    }
    return upsert_all(request);
  });
  const std::vector<property_value> properties{{"name", "Lena", mapping::mode_if_empty},
                                               {"language", "de", mapping::mode_if_new},
                                               {"orders", "K3ZPA", mapping::mode_append}};
  f.add("a@example.org", properties);
  f.add("b@example.org", properties);
  const auto results = f.wait_results(2);
  ASSERT_EQ(f.transport->calls(), (std::vector<std::string>{"POST http://crm.test/batch/read",
                                                            "POST http://crm.test/batch/upsert"}));
  const auto bodies = f.bodies();
  EXPECT_EQ(bodies[0]["inputs"].size(), 2u);
  std::map<std::string, json> written;
  for (const auto& input : bodies[1]["inputs"]) written[input["id"]] = input["properties"];
  json expect_a = mapping::assign_properties(properties, existing_a, false, ",");
  expect_a["email"] = "a@example.org";
  json expect_b = mapping::assign_properties(properties, json::object(), true, ",");
  expect_b["email"] = "b@example.org";
  EXPECT_EQ(written["a@example.org"], expect_a);
  EXPECT_EQ(written["b@example.org"], expect_b);
  EXPECT_EQ(results.at("a@example.org#0").outcome->sync_info["action"], "updated");
  EXPECT_EQ(results.at("b@example.org#1").outcome->sync_info["action"], "created");
}

TEST(rest_batch, overwrite_only_mappings_skip_the_read_and_unchanged_records_are_not_written) {
  {
    batch_fixture f;
    f.answer_with(upsert_all);
    f.add("a@example.org", {{"name", "Lena", mapping::mode_overwrite}});
    f.wait_results(1);
    EXPECT_EQ(f.transport->calls(), std::vector<std::string>{"POST http://crm.test/batch/upsert"});
  }
  batch_fixture f;
  f.answer_with([](const http::http_request& request) {
    json body = {{"results", {record("1", "a@example.org", {{"name", "Lena"}})}}};
    return request.url == "http://crm.test/batch/read" ? respond(200, body.dump()) : respond(500);
  });
  f.add("a@example.org", {{"name", "Other", mapping::mode_if_empty}});
  const auto results = f.wait_results(1);
  EXPECT_EQ(f.transport->calls(), std::vector<std::string>{"POST http://crm.test/batch/read"});
  ASSERT_TRUE(results.begin()->second.ok());
  EXPECT_EQ(results.begin()->second.outcome->sync_info["action"], "nothing_to_do");
  EXPECT_EQ(external_id(results.begin()->second), "1");
}

TEST(rest_batch, create_and_update_after_a_read_settle_each_call_on_its_own) {
  json settings = batched_settings();
  auto& batch = settings["objects"]["Contact"]["batch"];
  batch.erase("write");
  batch["error_ids"] = {"context.ids", "context.objectWriteTraceId"};
  batch["create"] = {
      {"url", "/batch/create"},
      {"body", {{"inputs", "{inputs}"}}},
      {"input", {{"properties", "{properties}"}, {"objectWriteTraceId", "{id_value}"}}}};
  batch["update"] = {{"url", "/batch/update"},
                     {"body", {{"inputs", "{inputs}"}}},
                     {"input", {{"id", "{external_id}"}, {"properties", "{properties}"}}}};
  batch_fixture f(settings);
  f.answer_with([](const http::http_request& request) {
    if (request.url == "http://crm.test/batch/read") {
      return respond(
          200, json{{"results", {record("7", "old@example.org"), record("8", "odd@example.org")}}}
                   .dump());
    }
    if (request.url == "http://crm.test/batch/update") {  // refuses record 8 by its id
      json body = {{"results", {record("7", "old@example.org")}},
                   {"errors", {{{"message", "no"}, {"context", {{"ids", {"8"}}}}}}}};
      return respond(207, body.dump());
    }
    json body = {
        {"results", {record("9", "new@example.org")}},
        {"errors",
         {{{"message", "bad"}, {"context", {{"objectWriteTraceId", {"bad@example.org"}}}}}}}};
    return respond(207, body.dump());
  });
  for (const char* email :
       {"old@example.org", "odd@example.org", "new@example.org", "bad@example.org"}) {
    f.add(email, {{"name", "N", mapping::mode_overwrite}});
  }
  const auto results = f.wait_results(4);
  EXPECT_EQ(f.transport->calls().size(), 3u);
  EXPECT_EQ(results.at("old@example.org#0").outcome->sync_info["action"], "updated");
  EXPECT_EQ(external_id(results.at("old@example.org#0")), "7");
  EXPECT_EQ(results.at("new@example.org#2").outcome->sync_info["action"], "created");
  EXPECT_EQ(external_id(results.at("new@example.org#2")), "9");
  EXPECT_EQ(results.at("odd@example.org#1").error->signature, "batch-record-error");
  EXPECT_EQ(results.at("bad@example.org#3").error->signature, "batch-record-error");
}

TEST(rest_batch, an_object_whose_input_cannot_be_built_fails_alone_and_the_others_still_go) {
  // Mapping 1 keeps organisations; mapping 2's contacts carry their organisation as an
  // association item, so a contact whose order has no mapping-1 result cannot build its input.
  json settings = batched_settings();
  json org = settings["objects"]["Contact"];
  org.erase("batch");
  settings["objects"]["Org"] = org;
  auto& contact = settings["objects"]["Contact"];
  contact["associations"] = {{"org", {{"mapping", 1}, {"into", "associations"}}}};
  contact["create"]["body"] = {{"properties", "{properties}"}, {"associations", "{associations}"}};
  contact["batch"]["write"]["input"]["associations"] = "{associations}";
  auto org_mapping = contact_mapping();
  org_mapping.external_object_type = "Org";
  auto contact_of_org = contact_mapping();
  contact_of_org.id = 2;
  batch_fixture f(settings, {org_mapping, contact_of_org});
  f.answer_with(upsert_all);
  auto good = f.make_request("good@example.org", {});
  sync_result org_result = previous_result(org_mapping, "55");
  org_result.external_object_type = "Org";
  good.mapped_objects = {{1, {org_result}}};
  f.add(std::move(good));
  f.add(f.make_request("bad@example.org", {}));  // no results of mapping 1
  const auto results = f.wait_results(2);
  ASSERT_EQ(f.transport->calls().size(), 1u);
  const auto inputs = f.bodies()[0]["inputs"];
  ASSERT_EQ(inputs.size(), 1u);
  EXPECT_EQ(inputs[0]["associations"][0]["id"], "55");
  EXPECT_TRUE(results.at("good@example.org#0").ok());
  const auto& bad = results.at("bad@example.org#1");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error->kind, sync_error_kind::config);
}

TEST(rest_batch, match_answer_reads_one_id_or_lists_and_ignores_case_when_asked) {
  batch_settings settings;
  std::vector<std::string> problems;
  settings.results = json_path::parse("results", problems);
  settings.result_key = json_path::parse("properties.email", problems);
  settings.errors = json_path::parse("errors", problems);
  settings.error_ids = {json_path::parse("context.ids", problems)};
  settings.error_message = json_path::parse("message", problems);
  settings.ignore_case = true;
  const json answer = {
      {"results", {record("1", "Anna@Example.org"), record("2", "anna@example.org")}},
      {"errors", {{{"message", "m"}, {"context", {{"ids", "BEN@example.org"}}}}}}};
  std::string problem;
  auto matched =
      match_answer(answer, {"anna@example.org", "ben@example.org"}, {}, settings, problem);
  ASSERT_TRUE(matched) << problem;
  EXPECT_TRUE(matched->by_key.at("anna@example.org").ambiguous);
  EXPECT_EQ(matched->by_key.at("ben@example.org").errors, std::vector<std::string>{"m"});
  EXPECT_FALSE(match_answer(json{{"errors", 3}}, {}, {}, settings, problem));
  EXPECT_EQ(problem, "the errors at \"errors\" are not a list");
}

TEST(rest_batch, check_config_reports_a_batch_above_the_api_limit_and_bad_batch_templates) {
  json settings = batched_settings(250);
  settings["objects"]["Contact"]["batch"]["write"]["input"]["x"] = "{external_id}";
  settings["objects"]["Contact"]["batch"]["write"]["body"] = {{"records", "{id_value}"}};
  auto section = make_section("rest", settings, {contact_mapping()});
  const auto problems =
      check_http_provider(section, {"providers[0]", fake_env({{"CRM_TOKEN", crm_token}})});
  std::string text;
  for (const auto& p : problems) text += p.to_string() + "\n";
  const std::string at = "crm.toml:7:1: providers[0].rest.objects.Contact.batch.";
  EXPECT_NE(text.find(at + "max_batch: 250 is above the API's limit of 100"), std::string::npos)
      << text;
  EXPECT_NE(text.find(at + "write.input.x"), std::string::npos) << text;
  EXPECT_NE(text.find(at + "write.body"), std::string::npos) << text;
  EXPECT_EQ(problems.size(), 4u) << text;  // body: {id_value} unknown there, and no {inputs}
}

}  // namespace
}  // namespace tixsync::providers::rest::testing
