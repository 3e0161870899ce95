// learnact.ops.rational on the CPU: P(x) / Q(x) and its closed-form gradients in
// one pass over the data (XLA FFI custom calls; built and loaded by
// learnact/ops/_native.py, used by learnact/ops/_rational_jax.py).
//
// Layout: x and g are (R, C) row-major; the coefficients are given by order,
// a (M1, C) and b (N, C), one column per column of x (the caller broadcasts
// them). The backward pass writes dx (R, C) and the coefficient gradients
// da (M1, C), db (N, C) summed over the rows. Columns are processed eight
// (float) or four (double) at a time in 32-byte vectors, the rest one by one.
//
// Forms (learnact/ops/_rational_math.py is the reference; the same formulas):
//   0 safe:    Q = 1 + |x| S(|x|),  S(t) = sum_k |b_k| t^(k-1)
//   1 abs_sum: Q = 1 + |x B(x)|,    B(t) = sum_k b_k t^(k-1)
//   2 pade:    Q = 1 + x B(x), |Q| < 1e-4 replaced by +-1e-4 (+ at 0), where
//              nothing flows through Q.
// dy/dx = (P' - y Q') / Q, dy/da_k = x^k / Q, dy/db_k = -(y / Q) w base^k with
// (base, w) = (|x|, sign(b_k)), (x, sign(x B(x))), (x, [not guarded]); the
// sign of 0 is 0. Sums over rows are kept per block of rows in the input's
// precision and added into double totals, so that long batches in float32
// lose no more than a block's rounding.
//
// Rows holding an |x| beyond `limit` (learnact.ops.rational.direct_limit, where
// x^max(m, n) may leave float32's range) are computed one element at a time,
// those elements in long double: its exponent range (to 2^16384) holds
// products of degree + 2 factors of the input type's range (the Python side
// sends float64 only up to degree 13, float32 up to 125), so P and Q are
// evaluated as they are and only their ratio is rounded back; their
// coefficient-gradient terms are summed in long double. A long double without
// that range fails the build (see the static_assert), and learnact then keeps
// its XLA path.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "xla/ffi/api/ffi.h"

namespace ffi = xla::ffi;

// _rational_jax._WIDE_MAX_EXPONENT (16381) relies on this range.
static_assert(std::numeric_limits<long double>::max_exponent >= 16382,
              "the rare path needs a long double with a wide exponent range");

namespace {

using Wide = long double;
constexpr double kPadeGuard = 1e-4;
constexpr int64_t kBlockRows = 64;

template <typename T>
struct Vec {
  typedef T type __attribute__((vector_size(32)));
  static constexpr int kLanes = 32 / sizeof(T);
};

// One lane type for scalars and vectors alike: the formulas are written once.
template <typename V, typename S>
inline V Splat(S s) {
  if constexpr (std::is_arithmetic_v<V>) {
    return static_cast<V>(s);
  } else {
    return V{} + static_cast<std::remove_reference_t<decltype(V{}[0])>>(s);
  }
}

// `mask ? a : b` lane by lane (GCC/Clang vector extensions) or for a scalar.
template <typename V>
inline V Select(decltype(V{} < V{}) mask, V a, V b) {
  return mask ? a : b;
}

template <typename V>
inline V Abs(V v) {
  return Select<V>(v < Splat<V>(0), -v, v);
}

template <typename V>
inline V Sign(V v) {
  const V one = Splat<V>(1), zero = Splat<V>(0);
  return Select<V>(v > zero, one, zero) - Select<V>(v < zero, one, zero);
}

template <typename V, typename T>
inline V Load(const T* p) {
  if constexpr (std::is_arithmetic_v<V>) {
    return *p;
  } else {
    V v;
    std::memcpy(&v, p, sizeof(V));
    return v;
  }
}

template <typename V, typename T>
inline void Store(T* p, V v) {
  if constexpr (std::is_arithmetic_v<V>) {
    *p = v;
  } else {
    std::memcpy(p, &v, sizeof(V));
  }
}

// The denominator at x: Q, dQ/dx, and the base and weight of dQ/db_k.
template <int Form, typename V, typename T>
inline void Denominator(V x, const T* b, const T* abs_b, int64_t n, int64_t stride, V* q, V* dq,
                        V* base, V* weight) {
  if constexpr (Form == 0) {
    const V ax = Abs(x);
    V s = Load<V>(abs_b + (n - 1) * stride);
    V ds = s * Splat<V>(n);
    for (int64_t k = n - 2; k >= 0; --k) {
      const V bk = Load<V>(abs_b + k * stride);
      s = s * ax + bk;
      ds = ds * ax + bk * Splat<V>(k + 1);
    }
    *q = Splat<V>(1) + ax * s;
    *dq = Sign(x) * ds;
    *base = ax;
    *weight = Splat<V>(1);
  } else {
    V s = Load<V>(b + (n - 1) * stride);
    V ds = s * Splat<V>(n);
    for (int64_t k = n - 2; k >= 0; --k) {
      const V bk = Load<V>(b + k * stride);
      s = s * x + bk;
      ds = ds * x + bk * Splat<V>(k + 1);
    }
    const V poly = x * s;
    *base = x;
    if constexpr (Form == 1) {
      *weight = Sign(poly);
      *q = Splat<V>(1) + Abs(poly);
      *dq = *weight * ds;
    } else {
      const V raw = Splat<V>(1) + poly;
      const V guard = Splat<V>(kPadeGuard);
      const auto small = Abs(raw) < guard;
      *weight = Select<V>(small, Splat<V>(0), Splat<V>(1));
      *q = Select<V>(small, Select<V>(raw < Splat<V>(0), -guard, guard), raw);
      *dq = *weight * ds;
    }
  }
}

template <int Form, typename V, typename T>
inline V Value(V x, const T* a, int64_t m1, const T* b, const T* abs_b, int64_t n,
               int64_t stride) {
  V p = Load<V>(a + (m1 - 1) * stride);
  for (int64_t k = m1 - 2; k >= 0; --k) p = p * x + Load<V>(a + k * stride);
  V q, dq, base, weight;
  Denominator<Form>(x, b, abs_b, n, stride, &q, &dq, &base, &weight);
  return p / q;
}

// One element (or one vector of them): dx, and the row's terms added to the
// coefficient-gradient accumulators ga (m1 rows) and gb (n rows).
template <int Form, typename V, typename T, typename Acc>
inline V Gradient(V x, V g, const T* a, int64_t m1, const T* b, const T* abs_b, const T* sign_b,
                  int64_t n, int64_t stride, Acc* ga, Acc* gb) {
  V p = Load<V>(a + (m1 - 1) * stride);
  V dp = Splat<V>(0);
  for (int64_t k = m1 - 2; k >= 0; --k) {
    dp = dp * x + p;
    p = p * x + Load<V>(a + k * stride);
  }
  V q, dq, base, weight;
  Denominator<Form>(x, b, abs_b, n, stride, &q, &dq, &base, &weight);
  const V g_over_q = g / q;
  const V y = p / q;
  V term = g_over_q;
  for (int64_t k = 0; k < m1; ++k) {
    Store(ga + k * stride, Load<V>(ga + k * stride) + term);
    term = term * x;
  }
  term = -g_over_q * y * weight * base;
  for (int64_t k = 0; k < n; ++k) {
    V add = term;
    if constexpr (Form == 0) add = add * Load<V>(sign_b + k * stride);
    Store(gb + k * stride, Load<V>(gb + k * stride) + add);
    term = term * base;
  }
  return g_over_q * (dp - y * dq);
}

template <typename T>
struct Columns {
  std::vector<T> abs_b, sign_b;
  Columns(const T* b, int64_t count) : abs_b(count), sign_b(count) {
    for (int64_t i = 0; i < count; ++i) {
      abs_b[i] = std::fabs(b[i]);
      sign_b[i] = static_cast<T>((b[i] > 0) - (b[i] < 0));
    }
  }
};

// Whether a row holds an |x| beyond the limit (NaN is not: it stays NaN either way).
template <typename T>
bool AnyBeyond(const T* x, int64_t cols, double limit) {
  const T bound = static_cast<T>(limit);
  int beyond = 0;
  for (int64_t j = 0; j < cols; ++j) beyond |= std::fabs(x[j]) > bound;
  return beyond != 0;
}

template <int Form, typename T>
void Forward(const T* x, const T* a, const T* b, T* y, int64_t rows, int64_t cols, int64_t m1,
             int64_t n, double limit) {
  using V = typename Vec<T>::type;
  constexpr int64_t kLanes = Vec<T>::kLanes;
  const Columns<T> c(b, n * cols);
  const int64_t vector_cols = cols - cols % kLanes;
  for (int64_t r = 0; r < rows; ++r) {
    const T* xr = x + r * cols;
    T* yr = y + r * cols;
    if (!AnyBeyond(xr, cols, limit)) {
      for (int64_t j = 0; j < vector_cols; j += kLanes) {
        Store(yr + j,
              Value<Form, V>(Load<V>(xr + j), a + j, m1, b + j, c.abs_b.data() + j, n, cols));
      }
      for (int64_t j = vector_cols; j < cols; ++j) {
        yr[j] = Value<Form, T>(xr[j], a + j, m1, b + j, c.abs_b.data() + j, n, cols);
      }
      continue;
    }
    for (int64_t j = 0; j < cols; ++j) {
      yr[j] = std::fabs(xr[j]) > limit
                  ? static_cast<T>(Value<Form, Wide>(static_cast<Wide>(xr[j]), a + j, m1, b + j,
                                                     c.abs_b.data() + j, n, cols))
                  : Value<Form, T>(xr[j], a + j, m1, b + j, c.abs_b.data() + j, n, cols);
    }
  }
}

template <int Form, typename T>
void Backward(const T* x, const T* g, const T* a, const T* b, T* dx, T* da, T* db, int64_t rows,
              int64_t cols, int64_t m1, int64_t n, double limit) {
  using V = typename Vec<T>::type;
  constexpr int64_t kLanes = Vec<T>::kLanes;
  const Columns<T> c(b, n * cols);
  const int64_t vector_cols = cols - cols % kLanes;
  std::vector<T> ga(m1 * cols), gb(n * cols);
  std::vector<double> total_a(m1 * cols, 0.0), total_b(n * cols, 0.0);
  std::vector<Wide> wide_a, wide_b;  // the rare path's terms, allocated when first needed
  for (int64_t start = 0; start < rows; start += kBlockRows) {
    std::fill(ga.begin(), ga.end(), T(0));
    std::fill(gb.begin(), gb.end(), T(0));
    const int64_t stop = std::min(rows, start + kBlockRows);
    for (int64_t r = start; r < stop; ++r) {
      const T* xr = x + r * cols;
      const T* gr = g + r * cols;
      T* dxr = dx + r * cols;
      if (AnyBeyond(xr, cols, limit)) {
        if (wide_a.empty()) {
          wide_a.assign(m1 * cols, 0);
          wide_b.assign(n * cols, 0);
        }
        for (int64_t j = 0; j < cols; ++j) {
          const T* bj = b + j;
          if (std::fabs(xr[j]) > limit) {
            dxr[j] = static_cast<T>(Gradient<Form, Wide>(
                static_cast<Wide>(xr[j]), static_cast<Wide>(gr[j]), a + j, m1, bj,
                c.abs_b.data() + j, c.sign_b.data() + j, n, cols, wide_a.data() + j,
                wide_b.data() + j));
          } else {
            dxr[j] = Gradient<Form, T>(xr[j], gr[j], a + j, m1, bj, c.abs_b.data() + j,
                                       c.sign_b.data() + j, n, cols, ga.data() + j, gb.data() + j);
          }
        }
        continue;
      }
      for (int64_t j = 0; j < vector_cols; j += kLanes) {
        Store(dxr + j, Gradient<Form, V>(Load<V>(xr + j), Load<V>(gr + j), a + j, m1, b + j,
                                         c.abs_b.data() + j, c.sign_b.data() + j, n, cols,
                                         ga.data() + j, gb.data() + j));
      }
      for (int64_t j = vector_cols; j < cols; ++j) {
        dxr[j] = Gradient<Form, T>(xr[j], gr[j], a + j, m1, b + j, c.abs_b.data() + j,
                                   c.sign_b.data() + j, n, cols, ga.data() + j, gb.data() + j);
      }
    }
    for (int64_t i = 0; i < m1 * cols; ++i) total_a[i] += ga[i];
    for (int64_t i = 0; i < n * cols; ++i) total_b[i] += gb[i];
  }
  for (int64_t i = 0; i < m1 * cols; ++i) {
    da[i] = static_cast<T>(wide_a.empty() ? total_a[i] : total_a[i] + wide_a[i]);
  }
  for (int64_t i = 0; i < n * cols; ++i) {
    db[i] = static_cast<T>(wide_b.empty() ? total_b[i] : total_b[i] + wide_b[i]);
  }
}

template <typename F>
ffi::Error ByForm(int32_t form, F&& call) {
  switch (form) {
    case 0: call(std::integral_constant<int, 0>{}); break;
    case 1: call(std::integral_constant<int, 1>{}); break;
    case 2: call(std::integral_constant<int, 2>{}); break;
    default:
      return ffi::Error(ffi::ErrorCode::kInvalidArgument, "learnact rational: unknown form");
  }
  return ffi::Error::Success();
}

template <ffi::DataType D>
ffi::Error ForwardHandler(ffi::Buffer<D> x, ffi::Buffer<D> a, ffi::Buffer<D> b,
                          ffi::ResultBuffer<D> y, int32_t form, double limit) {
  using T = ffi::NativeType<D>;
  const int64_t cols = a.dimensions()[1];
  const int64_t rows = cols ? x.element_count() / cols : 0;
  const int64_t m1 = a.dimensions()[0], n = b.dimensions()[0];
  return ByForm(form, [&](auto f) {
    Forward<decltype(f)::value, T>(x.typed_data(), a.typed_data(), b.typed_data(), y->typed_data(),
                                   rows, cols, m1, n, limit);
  });
}

template <ffi::DataType D>
ffi::Error BackwardHandler(ffi::Buffer<D> x, ffi::Buffer<D> g, ffi::Buffer<D> a, ffi::Buffer<D> b,
                           ffi::ResultBuffer<D> dx, ffi::ResultBuffer<D> da,
                           ffi::ResultBuffer<D> db, int32_t form, double limit) {
  using T = ffi::NativeType<D>;
  const int64_t cols = a.dimensions()[1];
  const int64_t rows = cols ? x.element_count() / cols : 0;
  const int64_t m1 = a.dimensions()[0], n = b.dimensions()[0];
  return ByForm(form, [&](auto f) {
    Backward<decltype(f)::value, T>(x.typed_data(), g.typed_data(), a.typed_data(), b.typed_data(),
                                    dx->typed_data(), da->typed_data(), db->typed_data(), rows,
                                    cols, m1, n, limit);
  });
}

}  // namespace

#define LEARNACT_FORWARD(NAME, D)                                                        \
  XLA_FFI_DEFINE_HANDLER_SYMBOL(NAME, ForwardHandler<D>,                                 \
                                ffi::Ffi::Bind()                                         \
                                    .Arg<ffi::Buffer<D>>()                               \
                                    .Arg<ffi::Buffer<D>>()                               \
                                    .Arg<ffi::Buffer<D>>()                               \
                                    .Ret<ffi::Buffer<D>>()                               \
                                    .Attr<int32_t>("form")                               \
                                    .Attr<double>("limit"));

#define LEARNACT_BACKWARD(NAME, D)                                                       \
  XLA_FFI_DEFINE_HANDLER_SYMBOL(NAME, BackwardHandler<D>,                                \
                                ffi::Ffi::Bind()                                         \
                                    .Arg<ffi::Buffer<D>>()                               \
                                    .Arg<ffi::Buffer<D>>()                               \
                                    .Arg<ffi::Buffer<D>>()                               \
                                    .Arg<ffi::Buffer<D>>()                               \
                                    .Ret<ffi::Buffer<D>>()                               \
                                    .Ret<ffi::Buffer<D>>()                               \
                                    .Ret<ffi::Buffer<D>>()                               \
                                    .Attr<int32_t>("form")                               \
                                    .Attr<double>("limit"));

LEARNACT_FORWARD(LearnactRationalForwardF32, ffi::DataType::F32)
LEARNACT_FORWARD(LearnactRationalForwardF64, ffi::DataType::F64)
LEARNACT_BACKWARD(LearnactRationalBackwardF32, ffi::DataType::F32)
LEARNACT_BACKWARD(LearnactRationalBackwardF64, ffi::DataType::F64)
