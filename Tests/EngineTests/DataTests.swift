import Foundation
import RepriseData
import RepriseEngine
import Testing

@Suite struct DataTests {
    @Test func fashionMNISTFromTheDebianFiles() throws {
        let train = try FashionMNIST.load(.train), test = try FashionMNIST.load(.test)
        #expect(train.count == 60_000 && test.count == 10_000)
        #expect(train.images.shape == [60_000, 784])
        for (set, perClass) in [(train, 6000), (test, 1000)] {
            var counts = [Int](repeating: 0, count: 10)
            for y in set.labels { counts[y] += 1 }
            #expect(counts == [Int](repeating: perClass, count: 10))
        }
        let pixels = train.images.rows(0..<100).scalars
        #expect(pixels.min()! == 0 && pixels.max()! == 1)
        // The first training label of Fashion-MNIST is 9 (ankle boot), the first test label 9 too.
        #expect(train.labels[0] == 9 && test.labels[0] == 9)
    }

    @Test func missingDataNamesThePackage() {
        #expect {
            _ = try FashionMNIST.readIDX("/nonexistent/train-images-idx3-ubyte.gz", expectedMagic: 0x0803)
        } throws: { ($0 as? DataError)?.description.contains("dataset-fashion-mnist") == true }
        #expect {
            _ = try TextCorpus(directory: "/nonexistent")
        } throws: { ($0 as? DataError)?.description.contains("'fortunes'") == true }
    }

    @Test func balancedSubsetAndLabelNoise() throws {
        var rng = RNG(seed: 3)
        let test = try FashionMNIST.load(.test)
        let sub = test.balancedSubset(perClass: 20, rng: &rng)
        #expect(sub.count == 200 && Set(sub.labels).count == 10)
        let noisy = sub.withLabelNoise(fraction: 0.2, rng: &rng)
        #expect(zip(sub.labels, noisy.labels).filter { $0 != $1 }.count == 40)
    }

    @Test func modularArithmetic() {
        var rng = RNG(seed: 1)
        let task = ModularArithmetic(p: 113, trainFraction: 0.4, rng: &rng)
        #expect(task.trainPairs.count == 5107 && task.testPairs.count == 113 * 113 - 5107)
        #expect(zip(task.trainPairs, task.trainLabels).allSatisfy { ($0.0 + $0.1) % 113 == $1 })
        let all = Set((task.trainPairs + task.testPairs).map { $0.0 * 113 + $0.1 })
        #expect(all.count == 113 * 113)
    }

    @Test func textCorpusFromFortunes() throws {
        let corpus = try TextCorpus()
        // Debian's fortunes 1.99: 43 plain-text files, 2.58 MB; every tenth fortune held out.
        #expect(
            corpus.files.count >= 40 && corpus.files.contains("wisdom")
                && !corpus.files.contains { $0.hasSuffix(".dat") || $0.hasSuffix(".u8") })
        #expect(corpus.train.count + corpus.validation.count > 2_400_000)
        #expect(
            abs(Double(corpus.validation.count) / Double(corpus.train.count + corpus.validation.count) - 0.1) < 0.01)
        // No separator line survives: no "\n%\n" in either side.
        for text in [corpus.train, corpus.validation] {
            #expect(
                !zip(text, zip(text.dropFirst(), text.dropFirst(2))).contains { $0 == 10 && $1.0 == 37 && $1.1 == 10 })
        }
        var rng = RNG(seed: 2)
        let w = TextCorpus.windows(corpus.train, batch: 3, length: 16, rng: &rng)
        #expect(w.count == 3 && w.allSatisfy { $0.count == 17 && $0.allSatisfy { $0 < 256 } })
    }

    @Test func rngIsDeterministicAndSplitsIndependently() {
        var a = RNG(seed: 42), b = RNG(seed: 42)
        #expect((0..<5).map { _ in a.next() } == (0..<5).map { _ in b.next() })
        var x = RNG(seed: 42).split("init"), y = RNG(seed: 42).split("data")
        #expect(x.next() != y.next())
        var r = RNG(seed: 9)
        let draws = (0..<100_000).map { _ in r.normal() }
        let mean = draws.reduce(0, +) / 1e5, variance = draws.reduce(0) { $0 + $1 * $1 } / 1e5 - mean * mean
        #expect(abs(mean) < 0.02 && abs(variance - 1) < 0.02)
    }
}
