namespace SplitGuard.Protocol.Heartbeat;

/// <summary>Why a received frame was dropped. The names are used as counter keys in status output.</summary>
public enum FrameError : byte
{
    None = 0,
    Truncated,
    BadMagic,
    BadVersion,
    BadLength,
    BadMac,
    BadKind,
    ForeignCluster,
    UnknownSender,
    WrongReceiver,
    UnknownLink,
    WrongSource,
    Replayed,
}

/// <summary>Stable, lower-case names for <see cref="FrameError"/> (counter keys, JSON).</summary>
public static class FrameErrorNames
{
    public static string Name(this FrameError error) => error switch
    {
        FrameError.None => "none",
        FrameError.Truncated => "truncated",
        FrameError.BadMagic => "bad_magic",
        FrameError.BadVersion => "bad_version",
        FrameError.BadLength => "bad_length",
        FrameError.BadMac => "bad_mac",
        FrameError.BadKind => "bad_kind",
        FrameError.ForeignCluster => "foreign_cluster",
        FrameError.UnknownSender => "unknown_sender",
        FrameError.WrongReceiver => "wrong_receiver",
        FrameError.UnknownLink => "unknown_link",
        FrameError.WrongSource => "wrong_source",
        FrameError.Replayed => "replayed",
        _ => "unknown",
    };
}
