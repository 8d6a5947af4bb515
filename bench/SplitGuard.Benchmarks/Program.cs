using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(SplitGuard.Benchmarks.FrameCodecBenchmarks).Assembly).Run(args);
