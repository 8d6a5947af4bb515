using BenchmarkDotNet.Attributes;
using SplitGuard.Protocol.Heartbeat;

namespace SplitGuard.Benchmarks;

/// <summary>Frame encode + HMAC + decode, the work of one heartbeat on each end.</summary>
[MemoryDiagnoser]
public class FrameCodecBenchmarks
{
    private static readonly byte[] Key = "0123456789abcdef0123456789abcdef"u8.ToArray();
    private readonly byte[] _buffer = new byte[HeartbeatFrame.MaxSize];
    private readonly HeartbeatFrame _frame = new(FrameKind.Heartbeat, NodeStatus.Online, 1, 1, 1, 2, 1, 1000, 999, 42, 123456, 0, 0, ReadOnlyMemory<byte>.Empty);
    private byte[] _encoded = [];

    [GlobalSetup]
    public void Setup()
    {
        _encoded = new byte[_frame.Size];
        _frame.Format(_encoded, Key);
    }

    [Benchmark]
    public int Encode() => _frame.Format(_buffer, Key);

    [Benchmark]
    public FrameError Decode() => HeartbeatFrame.TryParse(_encoded, Key, out _);

    [Benchmark(Baseline = true)]
    public FrameError EncodeAndDecode()
    {
        int n = _frame.Format(_buffer, Key);
        return HeartbeatFrame.TryParse(_buffer.AsSpan(0, n), Key, out _);
    }
}
