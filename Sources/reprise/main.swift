import RepriseEngine
Runtime.cacheLargeAllocations()
let peak = Benchmarks.sgemmPeak()
print("sgemm peak", peak)
for r in Benchmarks.trainingSteps() { print(r.name, r.medianMs, r.gflops, r.gflops / peak, r.pytorchMs / r.medianMs) }
