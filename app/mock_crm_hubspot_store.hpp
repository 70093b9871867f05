// The HubSpot-shaped mock CRM's memory: records of any object type with ids unique across types
// (as HubSpot's record ids are within an account), string property values, unique properties
// (contacts' email and any declared with add_unique), and associations between records.
// Thread-safe; nothing is persisted. Pure C++: no HTTP in sight, so it is tested on its own.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace tixsync::app {

/// Now as HubSpot writes times: "2026-01-02T03:04:05.678Z" (UTC).
std::string hubspot_now();

/// A per-record failure in HubSpot's error shape (status "error", category, message, context).
struct hubspot_error {
  int status = 0;  ///< the HTTP status the single-record endpoint answers (400, 404, 409)
  std::string category;
  std::string message;
  nlohmann::json context = nlohmann::json::object();

  /// {"status": "error", "category", "message", "context"}.
  nlohmann::json to_json() const;
};

/// One association in HubSpot's v4 terms.
struct hubspot_association_type {
  std::string category = "HUBSPOT_DEFINED";  ///< or USER_DEFINED
  int type_id = 0;
};

/// What a write did: the record as HubSpot answers it, or the error; `created` tells an upsert's
/// create from its update.
struct hubspot_write {
  std::optional<nlohmann::json> record;
  hubspot_error error;
  bool created = false;
};

class hubspot_store {
 public:
  /// "contacts" for "contacts", "contact" or "0-1" (likewise companies, deals, tickets); other
  /// names (custom objects) as given.
  static std::string canonical_type(const std::string& type);
  /// HubSpot's default association type id from `from` to `to` (e.g. contacts -> companies 279);
  /// 0 when it has none.
  static int default_association_type(const std::string& from, const std::string& to);

  hubspot_store();

  /// Declares `property` of `type` unique: creates and updates that would give two records the
  /// same value answer 409. Contacts' email is unique from the start.
  void add_unique(const std::string& type, const std::string& property);
  bool is_unique(const std::string& type, const std::string& property) const;

  /// Creates a record from a JSON object of properties (values become strings) and its
  /// associations ([{"to": {"id"}, "types": [{"associationCategory", "associationTypeId"}]}]).
  hubspot_write create(const std::string& type, const nlohmann::json& properties,
                       const nlohmann::json& associations = nlohmann::json::array());
  /// The record whose `id_property` ("" or "hs_object_id": the record id) equals `id`.
  std::optional<nlohmann::json> find(const std::string& type, const std::string& id,
                                     const std::string& id_property = "") const;
  /// Sets the properties on the record found as in find(); 404 OBJECT_NOT_FOUND when missing.
  hubspot_write update(const std::string& type, const std::string& id,
                       const std::string& id_property, const nlohmann::json& properties);
  /// Updates the record whose unique `id_property` equals `id`, or creates it with that value.
  hubspot_write upsert(const std::string& type, const std::string& id,
                       const std::string& id_property, const nlohmann::json& properties);
  /// Records of `type` matching any of the filter groups (every filter of a group must hold),
  /// ordered by id. Operators: EQ, NEQ, IN, NOT_IN, HAS_PROPERTY, NOT_HAS_PROPERTY. No groups:
  /// every record. An unknown operator or a malformed filter is a 400 VALIDATION_ERROR.
  std::vector<nlohmann::json> search(const std::string& type, const nlohmann::json& filter_groups,
                                     hubspot_error& error) const;
  /// Associates two existing records (both ids must exist; 404 otherwise).
  std::optional<hubspot_error> associate(const std::string& from_type, const std::string& from_id,
                                         const std::string& to_type, const std::string& to_id,
                                         hubspot_association_type type);
  /// v4 results: [{"toObjectId": n, "associationTypes": [{"category", "typeId", "label"}]}] of
  /// the records of `to_type` associated with the record (either direction); nullopt when the
  /// record does not exist.
  std::optional<nlohmann::json> associations(const std::string& from_type,
                                             const std::string& from_id,
                                             const std::string& to_type) const;

  /// {type: [records with "associations": [{"toObjectType", "toObjectId", "category",
  /// "typeId"}]]}.
  nlohmann::json dump() const;
  /// {type: number of records}.
  nlohmann::json counts() const;
  /// {"created": n, "updated": n}.
  nlohmann::json totals() const;
  /// Forgets every record and association (unique declarations stay).
  void clear();

 private:
  struct record {
    std::string type;
    nlohmann::json properties;  // string values
    std::string created_at, updated_at;
  };
  struct edge {
    std::uint64_t from, to;
    hubspot_association_type type;
  };

  const record* locate(const std::string& type, const std::string& id,
                       const std::string& id_property, std::uint64_t* id_out) const;
  std::optional<hubspot_error> unique_conflict(const std::string& type,
                                               const nlohmann::json& properties,
                                               std::uint64_t self) const;
  void index(std::uint64_t id, const record& r, bool add);
  std::optional<hubspot_error> check_associations(const nlohmann::json& associations) const;
  hubspot_write write(const std::string& type, std::uint64_t id, const nlohmann::json& properties,
                      bool creating);
  nlohmann::json answer(std::uint64_t id, const record& r) const;

  mutable std::mutex mutex_;
  std::uint64_t next_id_ = 101;
  std::map<std::uint64_t, record> records_;
  std::map<std::string, std::set<std::string>> unique_;  // type -> properties
  /// (type, property) -> normalised value -> record id
  std::map<std::pair<std::string, std::string>, std::map<std::string, std::uint64_t>> unique_index_;
  std::vector<edge> edges_;
  std::uint64_t created_ = 0, updated_ = 0;
};

}  // namespace tixsync::app
