// Lane-wise IEEE square roots as one vector instruction per register (sqrtps, sqrtpd). Swift's
// SIMD8.squareRoot() takes the lanes one at a time through sqrtss and a libm sqrtf fallback,
// which was 3% of a wide-MLP Adam step (perf). The results are the same bits: IEEE square
// roots are correctly rounded however they are computed. Clang's ext_vector_type(8) is
// Swift's SIMD8. Adam's update calls them (the optimizer does not inline them there, always_inline
// or not): a call per 8 entries, in a loop bound by memory traffic.
typedef float reprise_float8 __attribute__((ext_vector_type(8)));
typedef double reprise_double8 __attribute__((ext_vector_type(8)));

static inline reprise_float8 reprise_sqrt_float8(reprise_float8 x) { return __builtin_elementwise_sqrt(x); }
static inline reprise_double8 reprise_sqrt_double8(reprise_double8 x) { return __builtin_elementwise_sqrt(x); }
