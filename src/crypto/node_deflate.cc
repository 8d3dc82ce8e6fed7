// A deflate encoder that reproduces, bit for bit, what Node's bundled zlib writes at its default
// level for small inputs. Node ships Chromium's zlib fork, whose string hash covers four bytes
// (vanilla zlib hashes three), so its matches and hence its output differ from the system
// zlib's. Official UserSig generators are compared byte for byte in interop tests, so the
// generator needs the Node shape; verification never depends on it.
//
// The model is zlib's level-6 lazy matcher (good 8, lazy 16, nice 128, chain 128) with the
// four-byte multiplicative hash, followed by one final block whose type (stored, fixed or
// dynamic Huffman) and trees are chosen by zlib's cost rules. It holds while the whole input sits
// in one window and one symbol buffer, i.e. up to kNodeDeflateMaxInput bytes; beyond that the
// system zlib is used (still a valid stream, just not Node's bytes).
#include <zlib.h>

#include <algorithm>
#include <array>
#include <vector>

#include "crypto/crypto.h"

namespace atrium::crypto {
namespace {

constexpr int kMinMatch = 3;
constexpr int kMaxMatch = 258;
constexpr uint32_t kTooFar = 4096;
constexpr uint32_t kHashMask = (1u << 15) - 1;
constexpr int kGoodLength = 8;
constexpr int kMaxLazy = 16;
constexpr int kNiceLength = 128;
constexpr int kMaxChain = 128;

constexpr int kLiterals = 256;
constexpr int kEndBlock = 256;
constexpr int kLengthCodes = 29;
constexpr int kLitLenCodes = kLiterals + 1 + kLengthCodes;  // 286
constexpr int kDistCodes = 30;
constexpr int kBitLenCodes = 19;
constexpr int kHeapSize = 2 * kLitLenCodes + 1;
constexpr int kMaxBits = 15;
constexpr int kMaxBitLenBits = 7;
constexpr int kRep3To6 = 16;
constexpr int kZeros3To10 = 17;
constexpr int kZeros11To138 = 18;

constexpr std::array<uint8_t, kLengthCodes> kExtraLengthBits = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                                                2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
constexpr std::array<uint8_t, kDistCodes> kExtraDistBits = {0, 0, 0, 0, 1, 1, 2,  2,  3,  3,  4,  4,  5,  5,  6,
                                                            6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
constexpr std::array<uint8_t, kBitLenCodes> kExtraBitLenBits = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                                                0, 0, 0, 0, 0, 0, 2, 3, 7};
constexpr std::array<uint8_t, kBitLenCodes> kBitLenOrder = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                                            11, 4,  12, 3, 13, 2, 14, 1, 15};

// One LZ77 output symbol: a literal (dist == 0) or a match of `value + 3` bytes at `dist`.
struct Symbol {
  uint16_t dist;
  uint16_t value;
};

// Code tables derived once from the extra-bit counts (RFC 1951 §3.2.5).
struct CodeTables {
  std::array<uint8_t, 256> lengthCode{};  // by match length - 3
  std::array<uint16_t, kLengthCodes> baseLength{};
  std::array<uint16_t, kDistCodes> baseDist{};
  std::array<uint16_t, kLitLenCodes + 2> fixedLitLen{};  // fixed-tree code lengths (288 codes)
  std::array<uint16_t, kDistCodes> fixedDist{};
  CodeTables() {
    int length = 0;
    for (int code = 0; code < kLengthCodes - 1; ++code) {
      baseLength[code] = static_cast<uint16_t>(length);
      for (int n = 0; n < (1 << kExtraLengthBits[code]); ++n) lengthCode[length++] = static_cast<uint8_t>(code);
    }
    // Length 258 has its own code (28) although code 27's range would also cover it.
    lengthCode[255] = kLengthCodes - 1;
    int dist = 0;
    for (int code = 0; code < kDistCodes; ++code) {
      baseDist[code] = static_cast<uint16_t>(dist);
      dist += 1 << kExtraDistBits[code];
    }
    for (int n = 0; n < kLitLenCodes + 2; ++n) fixedLitLen[n] = n < 144 ? 8 : n < 256 ? 9 : n < 280 ? 7 : 8;
    fixedDist.fill(5);
  }
  int distCode(int distMinusOne) const {
    return static_cast<int>(std::upper_bound(baseDist.begin(), baseDist.end(), distMinusOne) - baseDist.begin()) - 1;
  }
};
const CodeTables& tables() { static const CodeTables t; return t; }

// ---- LZ77: zlib's lazy evaluation with the four-byte hash --------------------------------------

class Matcher {
 public:
  explicit Matcher(std::span<const uint8_t> data)
      : size_(static_cast<uint32_t>(data.size())), head_(kHashMask + 1, 0), prev_(data.size() + 1, 0) {
    // Zero padding past the data: the hash and the match loop read up to kMaxMatch bytes ahead,
    // and zlib's window is zero there too.
    window_.assign(data.begin(), data.end());
    window_.resize(data.size() + kMaxMatch + 8, 0);
  }

  std::vector<Symbol> parse() {
    std::vector<Symbol> out;
    uint32_t start = 0;
    uint32_t lookahead = size_;
    int matchLength = kMinMatch - 1;
    int prevLength = kMinMatch - 1;
    bool pendingLiteral = false;
    while (lookahead > 0) {
      uint32_t hashHead = 0;
      if (lookahead >= kMinMatch) hashHead = insert(start);
      prevLength = matchLength;
      const uint32_t prevMatch = matchStart_;
      matchLength = kMinMatch - 1;
      // Position 0 doubles as zlib's "no entry", so it is never a match candidate.
      if (hashHead != 0 && prevLength < kMaxLazy) {
        matchLength = longestMatch(start, hashHead, prevLength, lookahead);
        if (matchLength == kMinMatch && start - matchStart_ > kTooFar) matchLength = kMinMatch - 1;
      }
      if (prevLength >= kMinMatch && matchLength <= prevLength) {
        // The previous position's match wins: emit it and hash the strings it covers.
        const uint32_t maxInsert = start + lookahead - kMinMatch;
        out.push_back({static_cast<uint16_t>(start - 1 - prevMatch), static_cast<uint16_t>(prevLength - kMinMatch)});
        lookahead -= prevLength - 1;
        for (int i = prevLength - 2; i > 0; --i) {
          ++start;
          if (start <= maxInsert) insert(start);
        }
        pendingLiteral = false;
        matchLength = kMinMatch - 1;
        ++start;
      } else {
        if (pendingLiteral) out.push_back({0, window_[start - 1]});
        pendingLiteral = true;
        ++start;
        --lookahead;
      }
    }
    if (pendingLiteral) out.push_back({0, window_[start - 1]});
    return out;
  }

 private:
  uint32_t insert(uint32_t pos) {
    const uint32_t v = uint32_t{window_[pos]} | (uint32_t{window_[pos + 1]} << 8) |
                       (uint32_t{window_[pos + 2]} << 16) | (uint32_t{window_[pos + 3]} << 24);
    const uint32_t h = ((v * 66521u + 66521u) >> 16) & kHashMask;
    prev_[pos] = head_[h];
    head_[h] = pos;
    return prev_[pos];
  }

  int longestMatch(uint32_t scan, uint32_t candidate, int bestLen, uint32_t lookahead) {
    int chain = kMaxChain;
    if (bestLen >= kGoodLength) chain >>= 2;
    const int nice = std::min<int>(kNiceLength, static_cast<int>(lookahead));
    const uint8_t* w = window_.data();
    for (;;) {
      const uint8_t* m = w + candidate;
      const uint8_t* s = w + scan;
      // zlib's quick reject: the bytes that would extend the best match, then the first two.
      if (m[bestLen] == s[bestLen] && m[bestLen - 1] == s[bestLen - 1] && m[0] == s[0] && m[1] == s[1]) {
        int len = 2;
        while (len < kMaxMatch && m[len] == s[len]) ++len;
        if (len > bestLen) {
          matchStart_ = candidate;
          bestLen = len;
          if (len >= nice) break;
        }
      }
      candidate = prev_[candidate];
      if (candidate == 0 || --chain == 0) break;
    }
    return std::min<int>(bestLen, static_cast<int>(lookahead));
  }

  uint32_t size_;
  std::vector<uint8_t> window_;
  std::vector<uint32_t> head_;
  std::vector<uint32_t> prev_;
  uint32_t matchStart_ = 0;
};

// ---- Huffman trees: zlib's construction, including its tie-breaking ---------------------------

struct Tree {
  std::array<uint32_t, kHeapSize> freq{};
  std::array<uint16_t, kHeapSize> len{};
  std::array<uint16_t, kHeapSize> code{};
  std::array<uint16_t, kHeapSize> dad{};
  int maxCode = -1;
};

struct TreeKind {
  int elems;
  const uint16_t* fixedLen;  // code lengths of the fixed tree, or null (bit-length tree)
  const uint8_t* extraBits;
  int extraBase;
  int maxLength;
};

uint16_t reverseBits(uint32_t code, int len) {
  uint32_t r = 0;
  for (int i = 0; i < len; ++i, code >>= 1) r = (r << 1) | (code & 1);
  return static_cast<uint16_t>(r);
}

void assignCodes(Tree& tree, int maxCode, const std::array<uint16_t, kMaxBits + 1>& countPerLength) {
  std::array<uint32_t, kMaxBits + 1> next{};
  uint32_t code = 0;
  for (int bits = 1; bits <= kMaxBits; ++bits) {
    code = (code + countPerLength[bits - 1]) << 1;
    next[bits] = code;
  }
  for (int n = 0; n <= maxCode; ++n) {
    if (tree.len[n] != 0) tree.code[n] = reverseBits(next[tree.len[n]]++, tree.len[n]);
  }
}

class TreeBuilder {
 public:
  // Builds `tree` from its frequencies and adds its cost to optLen (dynamic) and staticLen (fixed).
  void build(Tree& tree, const TreeKind& kind, int64_t& optLen, int64_t& staticLen) {
    heapLen_ = 0;
    heapMax_ = kHeapSize;
    int maxCode = -1;
    for (int n = 0; n < kind.elems; ++n) {
      if (tree.freq[n] != 0) {
        heap_[++heapLen_] = maxCode = n;
        depth_[n] = 0;
      } else {
        tree.len[n] = 0;
      }
    }
    // A valid code needs two symbols; zlib invents them with frequency 1 and corrects the cost.
    while (heapLen_ < 2) {
      const int node = heap_[++heapLen_] = (maxCode < 2 ? ++maxCode : 0);
      tree.freq[node] = 1;
      depth_[node] = 0;
      --optLen;
      if (kind.fixedLen != nullptr) staticLen -= kind.fixedLen[node];
    }
    tree.maxCode = maxCode;
    for (int n = heapLen_ / 2; n >= 1; --n) siftDown(tree, n);
    int node = kind.elems;
    do {
      const int n = heap_[1];
      heap_[1] = heap_[heapLen_--];
      siftDown(tree, 1);
      const int m = heap_[1];
      heap_[--heapMax_] = n;
      heap_[--heapMax_] = m;
      tree.freq[node] = tree.freq[n] + tree.freq[m];
      depth_[node] = static_cast<uint8_t>(std::max(depth_[n], depth_[m]) + 1);
      tree.dad[n] = tree.dad[m] = static_cast<uint16_t>(node);
      heap_[1] = node++;
      siftDown(tree, 1);
    } while (heapLen_ >= 2);
    heap_[--heapMax_] = heap_[1];
    assignLengths(tree, kind, optLen, staticLen);
    assignCodes(tree, maxCode, countPerLength_);
  }

 private:
  bool smaller(const Tree& t, int n, int m) const {
    return t.freq[n] < t.freq[m] || (t.freq[n] == t.freq[m] && depth_[n] <= depth_[m]);
  }

  void siftDown(const Tree& tree, int k) {
    const int v = heap_[k];
    for (int j = k << 1; j <= heapLen_; j <<= 1) {
      if (j < heapLen_ && smaller(tree, heap_[j + 1], heap_[j])) ++j;
      if (smaller(tree, v, heap_[j])) break;
      heap_[k] = heap_[j];
      k = j;
    }
    heap_[k] = v;
  }

  // Depth of every leaf, clamped to maxLength with zlib's redistribution of the overflow.
  void assignLengths(Tree& tree, const TreeKind& kind, int64_t& optLen, int64_t& staticLen) {
    countPerLength_.fill(0);
    int overflow = 0;
    tree.len[heap_[heapMax_]] = 0;  // the root
    int h = heapMax_ + 1;
    for (; h < kHeapSize; ++h) {
      const int n = heap_[h];
      int bits = tree.len[tree.dad[n]] + 1;
      if (bits > kind.maxLength) bits = kind.maxLength, ++overflow;
      tree.len[n] = static_cast<uint16_t>(bits);
      if (n > tree.maxCode) continue;  // internal node
      ++countPerLength_[bits];
      const int extra = n >= kind.extraBase ? kind.extraBits[n - kind.extraBase] : 0;
      optLen += int64_t{tree.freq[n]} * (bits + extra);
      if (kind.fixedLen != nullptr) staticLen += int64_t{tree.freq[n]} * (kind.fixedLen[n] + extra);
    }
    if (overflow == 0) return;
    do {
      int bits = kind.maxLength - 1;
      while (countPerLength_[bits] == 0) --bits;
      --countPerLength_[bits];
      countPerLength_[bits + 1] += 2;
      --countPerLength_[kind.maxLength];
      overflow -= 2;
    } while (overflow > 0);
    // Hand the corrected lengths back out, longest first, in the heap's order.
    for (int bits = kind.maxLength; bits != 0; --bits) {
      for (int n = countPerLength_[bits]; n != 0;) {
        const int m = heap_[--h];
        if (m > tree.maxCode) continue;
        if (tree.len[m] != bits) {
          optLen += (int64_t{bits} - tree.len[m]) * tree.freq[m];
          tree.len[m] = static_cast<uint16_t>(bits);
        }
        --n;
      }
    }
  }

  std::array<int, kHeapSize> heap_{};
  std::array<uint8_t, kHeapSize> depth_{};
  std::array<uint16_t, kMaxBits + 1> countPerLength_{};
  int heapLen_ = 0;
  int heapMax_ = 0;
};

class BitWriter {
 public:
  explicit BitWriter(Bytes& out) : out_(out) {}
  void put(uint32_t value, int bits) {
    acc_ |= uint64_t{value} << count_;
    count_ += bits;
    while (count_ >= 8) {
      out_.push_back(static_cast<uint8_t>(acc_));
      acc_ >>= 8;
      count_ -= 8;
    }
  }
  void alignToByte() {
    if (count_ > 0) out_.push_back(static_cast<uint8_t>(acc_));
    acc_ = 0, count_ = 0;
  }

 private:
  Bytes& out_;
  uint64_t acc_ = 0;
  int count_ = 0;
};

// Run-length walk over a tree's code lengths (RFC 1951 §3.2.7), shared by the pass that counts
// bit-length symbols and the pass that writes them, exactly as zlib's scan_tree/send_tree.
template <typename Emit>
void walkLengths(const Tree& tree, int maxCode, Emit emit) {
  auto lenAt = [&](int n) { return n > maxCode ? 0xffff : int{tree.len[n]}; };
  int prevLen = -1;
  int nextLen = lenAt(0);
  int count = 0;
  int maxCount = nextLen == 0 ? 138 : 7;
  int minCount = nextLen == 0 ? 3 : 4;
  for (int n = 0; n <= maxCode; ++n) {
    const int curLen = nextLen;
    nextLen = lenAt(n + 1);
    if (++count < maxCount && curLen == nextLen) continue;
    emit(curLen, prevLen, count, minCount);
    count = 0;
    prevLen = curLen;
    maxCount = nextLen == 0 ? 138 : curLen == nextLen ? 6 : 7;
    minCount = nextLen == 0 || curLen == nextLen ? 3 : 4;
  }
}

void countBitLengths(const Tree& tree, Tree& bitLen) {
  walkLengths(tree, tree.maxCode, [&](int curLen, int prevLen, int count, int minCount) {
    if (count < minCount) {
      bitLen.freq[curLen] += count;
    } else if (curLen != 0) {
      if (curLen != prevLen) ++bitLen.freq[curLen];
      ++bitLen.freq[kRep3To6];
    } else if (count <= 10) {
      ++bitLen.freq[kZeros3To10];
    } else {
      ++bitLen.freq[kZeros11To138];
    }
  });
}

void sendCode(BitWriter& w, const Tree& tree, int symbol) { w.put(tree.code[symbol], tree.len[symbol]); }

void sendBitLengths(BitWriter& w, const Tree& tree, const Tree& bitLen) {
  walkLengths(tree, tree.maxCode, [&](int curLen, int prevLen, int count, int minCount) {
    if (count < minCount) {
      for (; count > 0; --count) sendCode(w, bitLen, curLen);
    } else if (curLen != 0) {
      if (curLen != prevLen) sendCode(w, bitLen, curLen), --count;
      sendCode(w, bitLen, kRep3To6);
      w.put(count - 3, 2);
    } else if (count <= 10) {
      sendCode(w, bitLen, kZeros3To10);
      w.put(count - 3, 3);
    } else {
      sendCode(w, bitLen, kZeros11To138);
      w.put(count - 11, 7);
    }
  });
}

void sendSymbols(BitWriter& w, const std::vector<Symbol>& symbols, const Tree& litLen, const Tree& dist) {
  const CodeTables& t = tables();
  for (const Symbol& s : symbols) {
    if (s.dist == 0) {
      sendCode(w, litLen, s.value);
      continue;
    }
    const int lc = t.lengthCode[s.value];
    sendCode(w, litLen, lc + kLiterals + 1);
    if (kExtraLengthBits[lc] != 0) w.put(s.value - t.baseLength[lc], kExtraLengthBits[lc]);
    const int d = s.dist - 1;
    const int dc = t.distCode(d);
    sendCode(w, dist, dc);
    if (kExtraDistBits[dc] != 0) w.put(d - t.baseDist[dc], kExtraDistBits[dc]);
  }
  sendCode(w, litLen, kEndBlock);
}

}  // namespace

Bytes zlibCompressNodeCompatible(std::span<const uint8_t> data) {
  if (data.size() > kNodeDeflateMaxInput) return zlibCompress(data, 6);
  const CodeTables& t = tables();
  const std::vector<Symbol> symbols = Matcher(data).parse();

  Tree litLen;
  Tree dist;
  Tree bitLen;
  litLen.freq[kEndBlock] = 1;
  for (const Symbol& s : symbols) {
    if (s.dist == 0) {
      ++litLen.freq[s.value];
    } else {
      ++litLen.freq[t.lengthCode[s.value] + kLiterals + 1];
      ++dist.freq[t.distCode(s.dist - 1)];
    }
  }
  const TreeKind litLenKind{kLitLenCodes, t.fixedLitLen.data(), kExtraLengthBits.data(), kLiterals + 1, kMaxBits};
  const TreeKind distKind{kDistCodes, t.fixedDist.data(), kExtraDistBits.data(), 0, kMaxBits};
  const TreeKind bitLenKind{kBitLenCodes, nullptr, kExtraBitLenBits.data(), 0, kMaxBitLenBits};

  int64_t optLen = 0;
  int64_t staticLen = 0;
  TreeBuilder builder;
  builder.build(litLen, litLenKind, optLen, staticLen);
  builder.build(dist, distKind, optLen, staticLen);
  countBitLengths(litLen, bitLen);
  countBitLengths(dist, bitLen);
  builder.build(bitLen, bitLenKind, optLen, staticLen);
  int maxBitLenIndex = kBitLenCodes - 1;
  for (; maxBitLenIndex >= 3; --maxBitLenIndex) {
    if (bitLen.len[kBitLenOrder[maxBitLenIndex]] != 0) break;
  }
  optLen += 3 * (int64_t{maxBitLenIndex} + 1) + 5 + 5 + 4;

  // zlib's choice: the cheapest of stored, fixed and dynamic, preferring fixed on a tie.
  int64_t optBytes = (optLen + 3 + 7) >> 3;
  const int64_t staticBytes = (staticLen + 3 + 7) >> 3;
  if (staticBytes <= optBytes) optBytes = staticBytes;

  Bytes out = {0x78, 0x9c};  // deflate, 32 KB window, "default level" flag
  BitWriter w(out);
  if (static_cast<int64_t>(data.size()) + 4 <= optBytes) {
    w.put(1, 3);  // final stored block
    w.alignToByte();
    const auto n = static_cast<uint16_t>(data.size());
    out.insert(out.end(), {static_cast<uint8_t>(n), static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(~n),
                           static_cast<uint8_t>(~n >> 8)});
    out.insert(out.end(), data.begin(), data.end());
  } else if (staticBytes == optBytes) {
    Tree fixedLitLen;
    Tree fixedDist;
    std::array<uint16_t, kMaxBits + 1> count{};
    for (int n = 0; n < kLitLenCodes + 2; ++n) ++count[fixedLitLen.len[n] = t.fixedLitLen[n]];
    assignCodes(fixedLitLen, kLitLenCodes + 1, count);
    for (int n = 0; n < kDistCodes; ++n) fixedDist.len[n] = 5, fixedDist.code[n] = reverseBits(n, 5);
    w.put(3, 3);  // final block, fixed trees
    sendSymbols(w, symbols, fixedLitLen, fixedDist);
    w.alignToByte();
  } else {
    w.put(5, 3);  // final block, dynamic trees
    w.put(litLen.maxCode + 1 - 257, 5);
    w.put(dist.maxCode + 1 - 1, 5);
    w.put(maxBitLenIndex + 1 - 4, 4);
    for (int rank = 0; rank <= maxBitLenIndex; ++rank) w.put(bitLen.len[kBitLenOrder[rank]], 3);
    sendBitLengths(w, litLen, bitLen);
    sendBitLengths(w, dist, bitLen);
    sendSymbols(w, symbols, litLen, dist);
    w.alignToByte();
  }
  const uint32_t check = adler32(adler32(0, nullptr, 0), data.data(), static_cast<uInt>(data.size()));
  out.insert(out.end(), {static_cast<uint8_t>(check >> 24), static_cast<uint8_t>(check >> 16),
                         static_cast<uint8_t>(check >> 8), static_cast<uint8_t>(check)});
  return out;
}

}  // namespace atrium::crypto
