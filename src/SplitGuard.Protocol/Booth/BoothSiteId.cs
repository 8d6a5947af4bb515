using System.Net;

namespace SplitGuard.Protocol.Booth;

/// <summary>
/// booth's member id: CRC-32 (zlib/IEEE, initial value 0) of the binary address (4 bytes for IPv4, 16 for IPv6,
/// network order) with bit 31 cleared, so an id never equals <see cref="BoothMessage.NoOne"/>.
/// </summary>
public static class BoothSiteId
{
    private static readonly uint[] Table = BuildTable();

    /// <summary>The member id of <paramref name="address"/>.</summary>
    public static uint Of(IPAddress address) => Crc32(address.GetAddressBytes()) & 0x7FFFFFFF;

    /// <summary>The standard CRC-32 (polynomial 0xEDB88320 reflected, as zlib's crc32(0, data)).</summary>
    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc ^ 0xFFFFFFFFu;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[i] = c;
        }

        return table;
    }
}
