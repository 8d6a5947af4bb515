namespace SplitGuard.Protocol.Booth;

/// <summary>Why a booth packet was refused by the codec. booth's peer counters group them: <see cref="BadMac"/> is
/// "authfail", the others are "error".</summary>
public enum BoothPacketError : byte
{
    None = 0,

    /// <summary>Shorter than a header, or shorter than its own length field says.</summary>
    Truncated,

    /// <summary>The magic is not 0x5F1BA08C.</summary>
    BadMagic,

    /// <summary>The version is not 0x00010003.</summary>
    BadVersion,

    /// <summary>The length field does not match the datagram or the message type.</summary>
    BadLength,

    /// <summary>The HMAC trailer is missing, has an unknown hash id or does not verify.</summary>
    BadMac,

    /// <summary>The ticket name has no terminating NUL within its 64 bytes.</summary>
    BadTicketName,
}
