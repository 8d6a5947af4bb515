using System.Buffers.Binary;
using System.Net;

namespace SplitGuard.Daemon.Net;

/// <summary>One IPAddress object per IPv4 address seen, so receiving a datagram allocates no address.</summary>
internal sealed class AddressCache
{
    private const int Limit = 4096;
    private readonly Dictionary<uint, IPAddress> _cache = [];

    public IPAddress Get(ReadOnlySpan<byte> ipv4)
    {
        uint key = BinaryPrimitives.ReadUInt32BigEndian(ipv4);
        if (_cache.TryGetValue(key, out var address))
        {
            return address;
        }

        if (_cache.Count >= Limit)
        {
            _cache.Clear(); // forged sources must not grow memory without bound
        }

        address = new IPAddress(ipv4);
        _cache[key] = address;
        return address;
    }
}
