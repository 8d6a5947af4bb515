namespace SplitGuard.Protocol.Booth;

/// <summary>
/// One booth ticket message: the 48-byte header and the 76-byte ticket body, plus a 28-byte HMAC-SHA1 trailer when a
/// key is used (152 bytes; 124 without). The same struct is booth's UDP Raft message and its TCP client request and
/// result. All integers are big-endian. Layout (docs/booth.md):
/// <code>
///   0 opts (bit 0: trailer present)   4 secs   8 usecs   12 magic 0x5F1BA08C   16 version 0x00010003
///  20 from (site id)   24 length   28 cmd   32 request   36 options   40 reason   44 result
///  48 ticket name[64], NUL-padded   112 leader   116 term   120 term_valid_for
/// 124 hash id (2 = SHA1)   128 HMAC-SHA1 over bytes 0..123 (20 bytes) + 4 zero bytes
/// </code>
/// <see cref="Secs"/> and <see cref="Usecs"/> are the sender's timestamp (0 without a key): an ordering key for the
/// replay window, not a clock reading to trust.
/// </summary>
public readonly partial record struct BoothMessage(
    uint From,
    BoothCommand Command,
    BoothCommand Request,
    BoothClientOptions Options,
    BoothReason Reason,
    BoothResult Result,
    string Ticket,
    uint Leader,
    uint Term,
    uint TermValidFor)
{
    public const uint Magic = 0x5F1BA08C;
    public const uint Version = 0x00010003;

    /// <summary>"No leader", written as owner -1 in the CIB.</summary>
    public const uint NoOne = 0xFFFFFFFF;

    /// <summary><c>opts</c> bit: an HMAC trailer is present.</summary>
    public const uint OptAuth = 1;

    public const int HeaderSize = 48;
    public const int TicketBodySize = 76;
    public const int TicketNameSize = 64;
    public const int TrailerSize = 28;

    /// <summary>booth's only hash id: 2 = SHA1.</summary>
    public const uint HashIdSha1 = 2;

    /// <summary>A ticket message without a key.</summary>
    public const int PlainSize = HeaderSize + TicketBodySize;

    /// <summary>A ticket message with the HMAC trailer.</summary>
    public const int AuthSize = PlainSize + TrailerSize;

    /// <summary>Wall-clock seconds of the sender (0 without a key).</summary>
    public uint Secs { get; init; }

    /// <summary>Sub-second part of the sender's timestamp (0 without a key).</summary>
    public uint Usecs { get; init; }

    /// <summary>True when the message carried (and, if a key was given, passed) an HMAC trailer.</summary>
    public bool Authenticated { get; init; }

    /// <summary>The size <see cref="Format"/> writes with or without a key.</summary>
    public static int SizeFor(bool withKey) => withKey ? AuthSize : PlainSize;
}
