//===- MilTextReader.cpp - MIL text (model.mil) into the mil dialect ------===//
//
// A tokenizer and recursive-descent parser for the `model.mil` form of
// coreml-format.md §4 (both `program(1.3)` and the older `program(1.0)`
// with rank-0 tensors for scalars). Errors name the file, line and column.
//
//===----------------------------------------------------------------------===//
#include "lib/Support/InputFile.h"
#include "lib/Import/MilProgramImporter.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include "absl/strings/str_cat.h"

#include <cmath>
#include <cstdlib>

using namespace anec;
using namespace anec::import;
using namespace anec::exporter;

namespace {

struct Token {
  enum Kind { Ident, Number, String, Punct, End } kind = End;
  std::string text;
  size_t line = 1, column = 1;
};

class Lexer {
public:
  explicit Lexer(llvm::StringRef text) : text(text) {}

  Token next() {
    skip();
    Token t;
    t.line = line;
    t.column = column;
    if (pos >= text.size())
      return t;
    char c = text[pos];
    if (isalpha((unsigned char)c) || c == '_') {
      size_t start = pos;
      while (pos < text.size() &&
             (isalnum((unsigned char)text[pos]) || text[pos] == '_' || text[pos] == '@'))
        advance();
      t.kind = Token::Ident;
      t.text = text.slice(start, pos).str();
      return t;
    }
    if (isdigit((unsigned char)c) || ((c == '-' || c == '+') && pos + 1 < text.size() &&
                                      (isdigit((unsigned char)text[pos + 1]) ||
                                       text.substr(pos + 1).starts_with("inf") ||
                                       text.substr(pos + 1).starts_with("nan")))) {
      size_t start = pos;
      advance();
      while (pos < text.size() &&
             (isalnum((unsigned char)text[pos]) || text[pos] == '.' ||
              ((text[pos] == '-' || text[pos] == '+') &&
               (text[pos - 1] == 'p' || text[pos - 1] == 'P' || text[pos - 1] == 'e' ||
                text[pos - 1] == 'E'))))
        advance();
      t.kind = Token::Number;
      t.text = text.slice(start, pos).str();
      return t;
    }
    if (c == '"') {
      advance();
      std::string s;
      while (pos < text.size() && text[pos] != '"') {
        if (text[pos] == '\\' && pos + 1 < text.size())
          advance();
        s += text[pos];
        advance();
      }
      if (pos >= text.size()) {
        t.kind = Token::End;
        t.text = "<unterminated string>";
        return t;
      }
      advance();
      t.kind = Token::String;
      t.text = s;
      return t;
    }
    t.kind = Token::Punct;
    if (text.substr(pos).starts_with("->")) {
      t.text = "->";
      advance();
      advance();
      return t;
    }
    t.text = std::string(1, c);
    advance();
    return t;
  }

private:
  void advance() {
    if (text[pos] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
    ++pos;
  }
  void skip() {
    while (pos < text.size()) {
      if (isspace((unsigned char)text[pos])) {
        advance();
      } else if (text.substr(pos).starts_with("//")) {
        while (pos < text.size() && text[pos] != '\n')
          advance();
      } else {
        break;
      }
    }
  }
  llvm::StringRef text;
  size_t pos = 0, line = 1, column = 1;
};

class Parser {
public:
  Parser(llvm::StringRef text, std::string path) : lexer(text), path(std::move(path)) {
    tok = lexer.next();
  }

  absl::StatusOr<MilProgram> program();

private:
  absl::Status error(const std::string &what) {
    return absl::InvalidArgumentError(absl::StrCat(path, ":", tok.line, ":", tok.column, ": ",
                                                   what, " (at '", tok.text, "')"));
  }
  bool is(const char *s) const { return tok.text == s && tok.kind != Token::String; }
  absl::Status expect(const char *s) {
    if (!is(s))
      return error(absl::StrCat("expected '", s, "'"));
    tok = lexer.next();
    return absl::OkStatus();
  }
  absl::StatusOr<std::string> ident() {
    if (tok.kind != Token::Ident)
      return error("expected an identifier");
    std::string s = tok.text;
    tok = lexer.next();
    return s;
  }
  /// Parses comma-separated `item`s up to and including `close`.
  absl::Status list(const char *close, llvm::function_ref<absl::Status()> item) {
    while (!is(close)) {
      if (tok.kind == Token::End)
        return error(absl::StrCat("unexpected end of file, expected '", close, "'"));
      if (absl::Status s = item(); !s.ok())
        return s;
      if (is(","))
        tok = lexer.next();
      else if (!is(close))
        return error(absl::StrCat("expected ',' or '", close, "'"));
    }
    tok = lexer.next();
    return absl::OkStatus();
  }
  /// `type name`, appended to `out`.
  absl::Status typedName(std::vector<std::pair<std::string, MilType>> &out) {
    auto t = type();
    if (!t.ok())
      return t.status();
    auto n = ident();
    if (!n.ok())
      return n.status();
    out.push_back({*n, *t});
    return absl::OkStatus();
  }
  /// Identifiers up to and including `close`.
  absl::Status identifiers(const char *close, std::vector<std::string> &out) {
    return list(close, [&]() -> absl::Status {
      auto n = ident();
      if (!n.ok())
        return n.status();
      out.push_back(*n);
      return absl::OkStatus();
    });
  }
  /// Skips a balanced bracketed group starting at the current token.
  absl::Status skipGroup() {
    int depth = 0;
    do {
      if (tok.kind == Token::End)
        return error("unbalanced brackets");
      if (tok.kind == Token::Punct && (is("(") || is("[") || is("{") || is("<")))
        ++depth;
      if (tok.kind == Token::Punct && (is(")") || is("]") || is("}") || is(">")))
        --depth;
      tok = lexer.next();
    } while (depth > 0);
    return absl::OkStatus();
  }
  absl::StatusOr<MilType> type();
  absl::StatusOr<MilValue> literal();
  absl::StatusOr<MilFunction> function(TargetOS os);
  absl::Status scalars(MilValue &v, bool isList);

  Lexer lexer;
  Token tok;
  std::string path;
};

absl::StatusOr<MilType> Parser::type() {
  MilType t;
  if (is("state")) {
    tok = lexer.next();
    if (absl::Status s = expect("<"); !s.ok())
      return s;
    auto inner = type();
    if (!inner.ok())
      return inner;
    if (absl::Status s = expect(">"); !s.ok())
      return s;
    inner->isState = true;
    return inner;
  }
  if (is("tensor")) {
    tok = lexer.next();
    if (absl::Status s = expect("<"); !s.ok())
      return s;
    auto dtype = ident();
    if (!dtype.ok())
      return dtype.status();
    t.dtype = *dtype;
    if (absl::Status s = expect(","); !s.ok())
      return s;
    if (absl::Status s = expect("["); !s.ok())
      return s;
    while (!is("]")) {
      if (tok.kind != Token::Number)
        return error("expected a dimension");
      char *end;
      long long d = std::strtoll(tok.text.c_str(), &end, 10);
      if (*end || d < 1 || d > (1ll << 40))
        return error("a dimension must be a static positive size");
      t.shape.push_back(d);
      tok = lexer.next();
      if (is(","))
        tok = lexer.next();
      else if (!is("]"))
        return error("expected ',' or ']'");
      if (t.shape.size() > 16)
        return error("more than 16 dimensions");
    }
    tok = lexer.next();
    if (absl::Status s = expect(">"); !s.ok())
      return s;
    return t;
  }
  auto dtype = ident();
  if (!dtype.ok())
    return dtype.status();
  t.dtype = *dtype;
  return t;
}

absl::Status Parser::scalars(MilValue &v, bool isList) {
  bool isFloat = v.type.dtype.rfind("fp", 0) == 0;
  bool isBool = v.type.dtype == "bool";
  bool isString = v.type.dtype == "string";
  v.kind = isFloat ? MilValue::Floats
                   : isBool ? MilValue::Bools : isString ? MilValue::Strings : MilValue::Ints;
  auto one = [&]() -> absl::Status {
    if (isString) {
      if (tok.kind != Token::String)
        return error("expected a string");
      v.strings.push_back(tok.text);
    } else if (isBool) {
      if (!is("true") && !is("false"))
        return error("expected true or false");
      v.bools.push_back(is("true"));
    } else if (isFloat) {
      std::string s = tok.text;
      if (s == "inf" || s == "nan") {
        v.floats.push_back(s == "inf" ? INFINITY : NAN);
      } else {
        if (tok.kind != Token::Number)
          return error("expected a number");
        char *end;
        double d = std::strtod(s.c_str(), &end);
        if (*end)
          return error("malformed number");
        v.floats.push_back(d);
      }
    } else {
      if (tok.kind != Token::Number)
        return error("expected an integer");
      char *end;
      long long i = std::strtoll(tok.text.c_str(), &end, 10);
      if (*end)
        return error("malformed integer");
      v.ints.push_back(i);
    }
    tok = lexer.next();
    return absl::OkStatus();
  };
  if (!isList)
    return one();
  if (absl::Status s = expect("["); !s.ok())
    return s;
  return list("]", one);
}

absl::StatusOr<MilValue> Parser::literal() {
  MilValue v;
  auto t = type();
  if (!t.ok())
    return t.status();
  v.type = *t;
  if (absl::Status s = expect("("); !s.ok())
    return s;
  if (is("BLOBFILE")) {
    tok = lexer.next();
    // BLOBFILE(path = string("..."), offset = uint64(N))
    if (absl::Status s = expect("("); !s.ok())
      return s;
    std::string file;
    bool haveOffset = false;
    while (!is(")")) {
      auto key = ident();
      if (!key.ok())
        return key.status();
      if (absl::Status s = expect("="); !s.ok())
        return s;
      auto inner = literal();
      if (!inner.ok())
        return inner.status();
      if (*key == "path" && inner->kind == MilValue::Strings && inner->strings.size() == 1)
        file = inner->strings[0];
      else if (*key == "offset" && inner->kind == MilValue::Ints && inner->ints.size() == 1 &&
               inner->ints[0] >= 0) {
        v.blobOffset = (uint64_t)inner->ints[0];
        haveOffset = true;
      } else
        return error(absl::StrCat("unexpected BLOBFILE field '", *key, "'"));
      if (is(","))
        tok = lexer.next();
    }
    tok = lexer.next();
    if (file != kWeightPath || !haveOffset)
      return error(absl::StrCat("BLOBFILE must name ", kWeightPath, " and an offset"));
    v.kind = MilValue::Blob;
  } else {
    if (absl::Status s = scalars(v, /*isList=*/!v.type.shape.empty()); !s.ok())
      return s;
  }
  if (absl::Status s = expect(")"); !s.ok())
    return s;
  return v;
}

absl::StatusOr<MilFunction> Parser::function(TargetOS os) {
  MilFunction fn;
  if (absl::Status s = expect("func"); !s.ok())
    return s;
  auto name = ident();
  if (!name.ok())
    return name.status();
  fn.name = *name;
  if (absl::Status s = expect("<"); !s.ok())
    return s;
  auto opset = ident();
  if (!opset.ok())
    return opset.status();
  fn.opset = *opset;
  if (absl::Status s = expect(">"); !s.ok())
    return s;
  if (absl::Status s = expect("("); !s.ok())
    return s;
  if (absl::Status s = list(")", [&] { return typedName(fn.inputs); }); !s.ok())
    return s;
  if (absl::Status s = expect("{"); !s.ok())
    return s;
  while (!is("}")) {
    if (tok.kind == Token::End)
      return error("unexpected end of file in a function");
    MilOperation op;
    // Results: `type name` or `(type a, type b)`.
    auto result = [&] { return typedName(op.outputs); };
    if (is("write_state")) {
      // The one op without a result: `write_state(data = d, input = s)[...]`.
      op.type = tok.text;
      tok = lexer.next();
    } else {
      if (is("(")) {
        tok = lexer.next();
        if (absl::Status s = list(")", result); !s.ok())
          return s;
      } else if (absl::Status s = result(); !s.ok()) {
        return s;
      }
      if (absl::Status s = expect("="); !s.ok())
        return s;
      auto opType = ident();
      if (!opType.ok())
        return opType.status();
      op.type = *opType;
    }
    if (absl::Status s = expect("("); !s.ok())
      return s;
    while (!is(")")) {
      auto param = ident();
      if (!param.ok())
        return param.status();
      if (absl::Status s = expect("="); !s.ok())
        return s;
      std::vector<std::string> names;
      if (is("(")) {
        tok = lexer.next();
        if (absl::Status s = identifiers(")", names); !s.ok())
          return s;
      } else {
        auto n = ident();
        if (!n.ok())
          return n.status();
        names.push_back(*n);
      }
      op.inputs.push_back({*param, names});
      if (is(","))
        tok = lexer.next();
      else if (!is(")"))
        return error("expected ',' or ')'");
    }
    tok = lexer.next();
    // Attributes: name, val (const), and — in the iOS16 form — constexpr
    // parameters given as literals, which become consts of their own.
    if (absl::Status s = expect("["); !s.ok())
      return s;
    std::vector<MilOperation> literalParams;
    while (!is("]")) {
      auto key = ident();
      if (!key.ok())
        return key.status();
      if (absl::Status s = expect("="); !s.ok())
        return s;
      auto value = literal();
      if (!value.ok())
        return value.status();
      if (*key == "name") {
        if (value->kind != MilValue::Strings || value->strings.size() != 1)
          return error("name must be a string");
        op.name = value->strings[0];
      } else if (*key == "val") {
        op.hasVal = true;
        op.val = std::move(*value);
      } else {
        MilOperation c;
        c.type = "const";
        c.hasVal = true;
        c.val = std::move(*value);
        c.name = absl::StrCat(op.outputs.empty() ? "op" : op.outputs[0].first, "_", *key);
        c.outputs.push_back({c.name, c.val.type});
        op.inputs.push_back({*key, {c.name}});
        literalParams.push_back(std::move(c));
      }
      if (is(","))
        tok = lexer.next();
      else if (!is("]"))
        return error("expected ',' or ']'");
    }
    tok = lexer.next();
    if (absl::Status s = expect(";"); !s.ok())
      return s;
    if (op.type == "const" && !op.hasVal)
      return error("a const without val");
    if (op.name.empty() && !op.outputs.empty())
      op.name = op.outputs[0].first;
    std::sort(op.inputs.begin(), op.inputs.end());
    for (MilOperation &c : literalParams)
      fn.operations.push_back(std::move(c));
    fn.operations.push_back(std::move(op));
    if (fn.operations.size() > 10'000'000)
      return error("too many operations");
  }
  tok = lexer.next();
  if (absl::Status s = expect("->"); !s.ok())
    return s;
  if (absl::Status s = expect("("); !s.ok())
    return s;
  if (absl::Status s = identifiers(")", fn.outputs); !s.ok())
    return s;
  if (absl::Status s = expect(";"); !s.ok())
    return s;
  (void)os;
  return fn;
}

absl::StatusOr<MilProgram> Parser::program() {
  MilProgram program;
  if (absl::Status s = expect("program"); !s.ok())
    return s;
  if (absl::Status s = expect("("); !s.ok())
    return s;
  std::string version = tok.text;
  if (version == "1.3")
    program.os = TargetOS::iOS18;
  else if (version == "1.0")
    program.os = TargetOS::iOS16;
  else
    return error(absl::StrCat("unknown program version ", version));
  tok = lexer.next();
  if (absl::Status s = expect(")"); !s.ok())
    return s;
  if (is("[")) // buildInfo and other program attributes
    if (absl::Status s = skipGroup(); !s.ok())
      return s;
  if (absl::Status s = expect("{"); !s.ok())
    return s;
  while (!is("}")) {
    if (tok.kind == Token::End)
      return error("unexpected end of file");
    auto fn = function(program.os);
    if (!fn.ok())
      return fn.status();
    if (fn->opset == "ios17" && program.os == TargetOS::iOS16)
      program.os = TargetOS::iOS17;
    program.functions.push_back(std::move(*fn));
  }
  tok = lexer.next();
  if (tok.kind != Token::End)
    return error("unexpected text after the program");
  if (program.functions.empty())
    return error("the program has no functions");
  return program;
}

} // namespace

absl::StatusOr<MilProgram> anec::import::parseMilText(llvm::StringRef text,
                                                      const std::string &path) {
  Parser parser(text, path);
  return parser.program();
}

absl::StatusOr<mlir::OwningOpRef<mlir::ModuleOp>>
anec::import::importMilText(mlir::MLIRContext *ctx, const std::string &dir) {
  llvm::SmallString<256> milPath(dir);
  if (llvm::sys::fs::is_directory(dir))
    llvm::sys::path::append(milPath, "model.mil");
  std::string mp = milPath.str().str();
  if (absl::Status regular = anec::requireRegularFile(milPath); !regular.ok())
    return regular;
  auto buffer = llvm::MemoryBuffer::getFile(milPath, /*IsText=*/true);
  if (!buffer)
    return absl::NotFoundError(absl::StrCat(mp, ": cannot open"));
  auto program = parseMilText((*buffer)->getBuffer(), mp);
  if (!program.ok())
    return program.status();
  return importWithWeightsBeside(ctx, *program, mp);
}
