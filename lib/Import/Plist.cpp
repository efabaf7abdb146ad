//===- Plist.cpp - Apple XML property lists, read as JSON values ----------===//
#include "lib/Import/Plist.h"

#include "absl/strings/str_cat.h"

#include <cmath>

using namespace anec::import;

namespace {

constexpr size_t kMaxPlistBytes = 16u << 20;
constexpr int kMaxDepth = 64;

class PlistParser {
public:
  PlistParser(llvm::StringRef text, const std::string &name) : text(text), name(name) {}

  absl::StatusOr<llvm::json::Value> parse() {
    if (text.size() > kMaxPlistBytes)
      return bad(absl::StrCat(text.size(), " bytes is larger than a network description (16 MiB "
                                           "at most)"));
    // Prolog: <?xml ...?>, <!DOCTYPE ...>, comments.
    skipMisc();
    std::string tag;
    if (absl::Status s = openTag(tag); !s.ok())
      return s;
    if (tag != "plist")
      return bad("the root element is <" + tag + ">, not <plist>");
    skipMisc();
    auto v = value(0);
    if (!v.ok())
      return v.status();
    skipMisc();
    if (absl::Status s = closeTag("plist"); !s.ok())
      return s;
    skipMisc();
    if (pos != text.size())
      return bad("content after </plist>");
    return std::move(*v);
  }

private:
  absl::Status bad(const std::string &what) {
    int64_t line = 1 + text.substr(0, pos).count('\n');
    return absl::InvalidArgumentError(absl::StrCat(name, ":", line, ": ", what));
  }
  void skipSpace() {
    while (pos < text.size() && isspace((unsigned char)text[pos]))
      ++pos;
  }
  /// White space, processing instructions, DOCTYPE and comments.
  void skipMisc() {
    while (true) {
      skipSpace();
      llvm::StringRef rest = text.substr(pos);
      size_t end = llvm::StringRef::npos;
      if (rest.starts_with("<?"))
        end = rest.find("?>"), end = end == llvm::StringRef::npos ? end : end + 2;
      else if (rest.starts_with("<!--"))
        end = rest.find("-->"), end = end == llvm::StringRef::npos ? end : end + 3;
      else if (rest.starts_with("<!"))
        end = rest.find('>'), end = end == llvm::StringRef::npos ? end : end + 1;
      else
        return;
      if (end == llvm::StringRef::npos) {
        pos = text.size();
        return;
      }
      pos += end;
    }
  }
  /// Reads `<name>` or `<name/>` (selfClosing set).
  absl::Status openTag(std::string &tag, bool *selfClosing = nullptr) {
    skipMisc();
    if (pos >= text.size() || text[pos] != '<' || text.substr(pos).starts_with("</"))
      return bad("expected an element");
    size_t end = text.find('>', pos);
    if (end == llvm::StringRef::npos)
      return bad("an unterminated tag");
    llvm::StringRef inside = text.slice(pos + 1, end);
    bool self = inside.consume_back("/");
    // Attributes (plist version="1.0") are ignored.
    tag = inside.split(' ').first.trim().str();
    if (tag.empty())
      return bad("an empty tag");
    if (self && !selfClosing)
      return bad("<" + tag + "/> where content was expected");
    if (selfClosing)
      *selfClosing = self;
    pos = end + 1;
    return absl::OkStatus();
  }
  absl::Status closeTag(llvm::StringRef tag) {
    skipMisc();
    std::string want = ("</" + tag + ">").str();
    if (!text.substr(pos).starts_with(want))
      return bad(absl::StrCat("expected ", want));
    pos += want.size();
    return absl::OkStatus();
  }
  /// Character data up to the next '<', entities decoded.
  absl::StatusOr<std::string> characters() {
    size_t end = text.find('<', pos);
    if (end == llvm::StringRef::npos)
      return bad("unterminated text");
    llvm::StringRef raw = text.slice(pos, end);
    pos = end;
    std::string out;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '&') {
        out += raw[i];
        continue;
      }
      size_t semi = raw.find(';', i);
      if (semi == llvm::StringRef::npos)
        return bad("an unterminated entity");
      llvm::StringRef entity = raw.slice(i + 1, semi);
      if (entity == "lt")
        out += '<';
      else if (entity == "gt")
        out += '>';
      else if (entity == "amp")
        out += '&';
      else if (entity == "quot")
        out += '"';
      else if (entity == "apos")
        out += '\'';
      else
        return bad(absl::StrCat("the entity &", entity.str(), "; is not supported"));
      i = semi;
    }
    return out;
  }
  absl::StatusOr<llvm::json::Value> value(int depth) {
    if (depth > kMaxDepth)
      return bad(absl::StrCat("nested deeper than ", kMaxDepth, " levels"));
    std::string tag;
    bool self = false;
    if (absl::Status s = openTag(tag, &self); !s.ok())
      return s;
    if (tag == "true" || tag == "false") {
      if (!self)
        if (absl::Status s = closeTag(tag); !s.ok())
          return s;
      return llvm::json::Value(tag == "true");
    }
    if (tag == "dict") {
      llvm::json::Object object;
      if (self)
        return llvm::json::Value(std::move(object));
      while (true) {
        skipMisc();
        if (text.substr(pos).starts_with("</dict>")) {
          pos += 7;
          return llvm::json::Value(std::move(object));
        }
        std::string keyTag;
        if (absl::Status s = openTag(keyTag); !s.ok())
          return s;
        if (keyTag != "key")
          return bad("<" + keyTag + "> where a dict expects <key>");
        auto key = characters();
        if (!key.ok())
          return key.status();
        if (absl::Status s = closeTag("key"); !s.ok())
          return s;
        if (object.find(*key) != object.end())
          return bad("the key '" + *key + "' appears twice");
        auto v = value(depth + 1);
        if (!v.ok())
          return v.status();
        object[*key] = std::move(*v);
      }
    }
    if (tag == "array") {
      llvm::json::Array array;
      if (self)
        return llvm::json::Value(std::move(array));
      while (true) {
        skipMisc();
        if (text.substr(pos).starts_with("</array>")) {
          pos += 8;
          return llvm::json::Value(std::move(array));
        }
        auto v = value(depth + 1);
        if (!v.ok())
          return v.status();
        array.push_back(std::move(*v));
      }
    }
    if (tag == "string" || tag == "integer" || tag == "real") {
      std::string body;
      if (!self) {
        auto c = characters();
        if (!c.ok())
          return c.status();
        body = *c;
        if (absl::Status s = closeTag(tag); !s.ok())
          return s;
      }
      if (tag == "string")
        return llvm::json::Value(body);
      llvm::StringRef t = llvm::StringRef(body).trim();
      if (tag == "integer") {
        int64_t v;
        if (t.getAsInteger(10, v))
          return bad("'" + t.str() + "' is not an integer");
        return llvm::json::Value(v);
      }
      double d;
      if (t.getAsDouble(d) || !std::isfinite(d))
        return bad("'" + t.str() + "' is not a finite real");
      return llvm::json::Value(d);
    }
    return bad("the element <" + tag + "> is not supported in a network description");
  }

  llvm::StringRef text;
  std::string name;
  size_t pos = 0;
};

} // namespace

absl::StatusOr<llvm::json::Value> anec::import::parsePlist(llvm::StringRef text,
                                                          const std::string &name) {
  return PlistParser(text, name).parse();
}
