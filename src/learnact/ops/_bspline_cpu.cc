// learnact.ops.basis's B-splines on the CPU: at each input, the k + 1 B-splines
// of degree k that can be nonzero there and their derivatives of every order
// 0..k (an XLA FFI custom call; built and loaded by learnact/ops/_native.py,
// used by learnact/ops/_bspline_jax.py).
//
// Layout: x is (N, C), already clamped by the caller; the knots are (C, M), one
// non-decreasing row per column of x. Outputs:
//   start (N, C) int32: s = i - k, i the last knot index with t_i <= x;
//   table (rows, N, C, W), rows <= k + 1 (attribute rows): table[d, n, c, r] is
//     the d-th derivative of
//     B_{s+r}^k at x[n, c] (the local form, W = k + 1), or table[d, n, c, j]
//     that of B_j^k (the dense form, attribute dense = 1, W = M - 1 - k).
// A vector holds L consecutive rows of one column (read and written strided).
// An x outside t_0 <= x < t_{M-1} has no interval: every value is 0. A NaN x
// gives NaN everywhere (as the XLA path's arithmetic does), never a silent 0.
//
// The recursion is learnact.ops.basis's (its XLA path is the reference):
// Cox-de Boor on the 2k + 2 knots t_{i-k} .. t_{i+k+1} (indices clipped to
// 0 .. M - 1), carrying the derivatives along with the values by Leibniz's rule
// on each linear factor:
//   B^p = L B_j + R B_{j+1},  L = (x - t_j) a,  R = (t_{j+p+1} - x) c,
//   a = 1 / (t_{j+p} - t_j),  c = 1 / (t_{j+p+1} - t_{j+1})  (0 for a zero width),
//   (B^p)^(d) = L B_j^(d) + R B_{j+1}^(d) + d (a B_j^(d-1) - c B_{j+1}^(d-1)).

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "xla/ffi/api/ffi.h"

namespace ffi = xla::ffi;

namespace {

// learnact/ops/_bspline_jax.py's NATIVE_MAX_ORDER: the Python side sends no higher order.
constexpr int kMaxOrder = 10;

template <typename T>
inline T SafeReciprocal(T width) {
  return width > T(0) ? T(1) / width : T(0);
}

// The number of knots <= v in a non-decreasing row of m >= 1 (the XLA path's count; a
// NaN meets none), by a binary search without branches: the inputs of a batch
// fall in every interval, so a branching search mispredicts at every step.
template <typename T>
inline int64_t CountAtMost(const T* knot, int64_t m, T v) {
  const T* first = knot;
  int64_t length = m;
  while (length > 1) {
    const int64_t half = length / 2;
    first += first[half - 1] <= v ? half : 0;
    length -= half;
  }
  return (first - knot) + (*first <= v ? 1 : 0);
}

template <typename T>
struct Lanes {
  typedef T type __attribute__((vector_size(32)));
  static constexpr int kCount = 32 / sizeof(T);
};

// Lanes rows of one column at a time, in 32-byte vectors: each lane gathers
// its own knot window, then the recursion runs on whole vectors. Knot rows are
// extended by K copies of their end knots on each side (`ext`, M + 2K long),
// so that the window of interval i is ext[i .. i + 2K + 1] wherever i lies:
// the XLA path's clipped window. `inverse[(p - 1) * e + j]` is
// 1 / (ext[j + p] - ext[j]) (0 for a zero width), e = M + 2K: the divisions
// depend on the knots alone and are made once per call.
template <typename T, int K>
void Block(const T* xs, int64_t count, int64_t cols, int64_t plane, bool dense, int64_t width,
           int rows, const T* knot, const T* ext, const T* inverse, int64_t m, int32_t* starts,
           T* out) {
  using V = typename Lanes<T>::type;
  constexpr int L = Lanes<T>::kCount;
  const int64_t e = m + 2 * K;
  V v = V{} + T(0);
  for (int l = 0; l < count; ++l) v[l] = xs[l * cols];
  int64_t interval[L];
  bool valid[L];
  for (int l = 0; l < L; ++l) {
    interval[l] = CountAtMost(knot, m, v[l]) - 1;
    valid[l] = l < count && interval[l] >= 0 && interval[l] <= m - 2;
  }
  // The window t[s] = t_{i-K+s} (ext[i + s]); an invalid lane reads interval 0's.
  V t[2 * K + 2];
  for (int l = 0; l < L; ++l) {
    const T* w = ext + (valid[l] ? interval[l] : 0);
    for (int s = 0; s < 2 * K + 2; ++s) t[s][l] = w[s];
  }
  // b[r][d]: the d-th derivative of B_{i-K+r}^p, r = 0 .. K + 1 (b[K + 1] stays 0).
  V b[K + 2][K + 1];
  for (int r = 0; r <= K + 1; ++r) {
    for (int d = 0; d <= K; ++d) b[r][d] = V{} + T(0);
  }
  for (int l = 0; l < L; ++l) b[K][0][l] = valid[l] ? T(1) : T(0);
  for (int p = 1; p <= K; ++p) {
    // 1 / (t_{r+p} - t_r) for r = K - p .. K + 1: a of row r and c of row r - 1.
    V inv[K + 2];
    for (int l = 0; l < L; ++l) {
      const T* row = inverse + (p - 1) * e + (valid[l] ? interval[l] : 0);
      for (int r = K - p; r <= K + 1; ++r) inv[r][l] = row[r];
    }
    // In place: b[r] reads the old b[r] and b[r + 1]; r ascending keeps b[r + 1]
    // old, d descending keeps b[r][d - 1] old. Rows r < K - p are still 0.
    for (int r = K - p; r <= K; ++r) {
      const V a = inv[r];
      const V c = inv[r + 1];
      const V left = (v - t[r]) * a;
      const V right = (t[r + p + 1] - v) * c;
      for (int d = std::min(p, rows - 1); d >= 0; --d) {  // no row past the last asked for
        V value = d < p ? left * b[r][d] + right * b[r + 1][d] : V{} + T(0);
        if (d > 0) value += T(d) * (a * b[r][d - 1] - c * b[r + 1][d - 1]);
        b[r][d] = value;
      }
    }
  }
  // out is table[0, n, c, 0]: derivative orders are `plane` apart, rows C W.
  for (int l = 0; l < count; ++l) {
    starts[l * cols] = static_cast<int32_t>(interval[l] - K);
    T* cell = out + l * cols * width;
    if (v[l] != v[l]) {
      for (int d = 0; d < rows; ++d) {
        std::fill(cell + d * plane, cell + d * plane + width, std::numeric_limits<T>::quiet_NaN());
      }
      continue;
    }
    if (!dense) {
      for (int d = 0; d < rows; ++d) {
        for (int r = 0; r <= K; ++r) cell[d * plane + r] = b[r][d][l];
      }
      continue;
    }
    for (int d = 0; d < rows; ++d) {
      T* row = cell + d * plane;
      std::fill(row, row + width, T(0));
      if (!valid[l]) continue;
      for (int r = 0; r <= K; ++r) {
        const int64_t j = interval[l] - K + r;
        if (j >= 0 && j < width) row[j] = b[r][d][l];
      }
    }
  }
}

template <typename T, int K>
void Table(const T* xs, const T* ts, int64_t n, int64_t cols, int64_t m, bool dense, int rows,
           int32_t* starts, T* out) {
  constexpr int L = Lanes<T>::kCount;
  const int64_t e = m + 2 * K;
  const int64_t width = dense ? m - 1 - K : K + 1;
  const int64_t plane = n * cols * width;  // one derivative order
  std::vector<T> ext(static_cast<size_t>(e)), inverse(static_cast<size_t>(std::max(K, 1) * e));
  for (int64_t col = 0; col < cols; ++col) {
    const T* knot = ts + col * m;
    for (int64_t j = 0; j < e; ++j) {
      ext[j] = knot[std::min<int64_t>(std::max<int64_t>(j - K, 0), m - 1)];
    }
    for (int p = 1; p <= K; ++p) {
      for (int64_t j = 0; j < e; ++j) {
        inverse[(p - 1) * e + j] = j + p < e ? SafeReciprocal(ext[j + p] - ext[j]) : T(0);
      }
    }
    for (int64_t row = 0; row < n; row += L) {
      const int64_t at = row * cols + col;
      Block<T, K>(xs + at, std::min<int64_t>(L, n - row), cols, plane, dense, width, rows, knot,
                  ext.data(), inverse.data(), m, starts + at, out + at * width);
    }
  }
}

template <typename T, int K = 0>
void TableOfOrder(int k, const T* xs, const T* ts, int64_t n, int64_t cols, int64_t m,
                  bool dense, int rows, int32_t* starts, T* out) {
  if constexpr (K <= kMaxOrder) {
    if (k == K) return Table<T, K>(xs, ts, n, cols, m, dense, rows, starts, out);
    TableOfOrder<T, K + 1>(k, xs, ts, n, cols, m, dense, rows, starts, out);
  }
}

template <ffi::DataType D>
ffi::Error TableHandler(ffi::Buffer<D> x, ffi::Buffer<D> knots,
                        ffi::ResultBuffer<ffi::DataType::S32> start,
                        ffi::ResultBuffer<D> table, int32_t order, int32_t dense,
                        int32_t rows) {
  const auto xd = x.dimensions();
  const auto kd = knots.dimensions();
  const auto td = table->dimensions();
  const int k = order;
  if (xd.size() != 2 || kd.size() != 2 || td.size() != 4 || kd[0] != xd[1] || k < 0 ||
      k > kMaxOrder || kd[1] < k + 2 || rows < 1 || rows > k + 1 || td[0] != rows ||
      td[1] != xd[0] || td[2] != xd[1] ||
      td[3] != (dense ? kd[1] - 1 - k : k + 1) || start->dimensions().size() != 2 ||
      start->dimensions()[0] != xd[0] || start->dimensions()[1] != xd[1]) {
    return ffi::Error::InvalidArgument(
        "bspline table: x (N, C), knots (C, M), table (rows, N, C, W), 0 <= k <= 10");
  }
  TableOfOrder<ffi::NativeType<D>>(k, x.typed_data(), knots.typed_data(), xd[0], xd[1], kd[1],
                                   dense != 0, rows, start->typed_data(), table->typed_data());
  return ffi::Error::Success();
}

}  // namespace

#define LEARNACT_BSPLINE(NAME, D)                                                       \
  XLA_FFI_DEFINE_HANDLER_SYMBOL(NAME, TableHandler<D>,                                  \
                                ffi::Ffi::Bind()                                        \
                                    .Arg<ffi::Buffer<D>>()                              \
                                    .Arg<ffi::Buffer<D>>()                              \
                                    .Ret<ffi::Buffer<ffi::DataType::S32>>()             \
                                    .Ret<ffi::Buffer<D>>()                              \
                                    .Attr<int32_t>("order")                             \
                                    .Attr<int32_t>("dense")                             \
                                    .Attr<int32_t>("rows"));

LEARNACT_BSPLINE(LearnactBsplineTableF32, ffi::DataType::F32)
LEARNACT_BSPLINE(LearnactBsplineTableF64, ffi::DataType::F64)
