namespace SplitGuard.Protocol.Booth;

/// <summary>
/// booth's command codes (the <c>cmd</c> and <c>request</c> header fields): four ASCII characters packed
/// big-endian (docs/booth.md, "Command codes"). <see cref="None"/> is the 0 of unsolicited messages' request.
/// </summary>
public enum BoothCommand : uint
{
    None = 0,

    /// <summary><c>Stat</c>: start-up broadcast, "tell me your ticket".</summary>
    Status = 0x53746174,

    /// <summary><c>MIdx</c>: reply to Stat; also sent to a peer with an older term.</summary>
    MyIndex = 0x4D496478,

    /// <summary><c>RVot</c>: a candidate asks for votes.</summary>
    RequestVote = 0x52566F74,

    /// <summary><c>VtFr</c>: a vote (reply to RVot); leader NO_ONE from the leader means "I step down".</summary>
    VoteFor = 0x56744672,

    /// <summary><c>HrtB</c>: the leader's renewal broadcast.</summary>
    Heartbeat = 0x48727442,

    /// <summary><c>Ack.</c>: reply to HrtB, UpdE and Revk.</summary>
    Ack = 0x41636B2E,

    /// <summary><c>UpdE</c>: the leader's new expiry after a majority acked its heartbeat.</summary>
    Update = 0x55706445,

    /// <summary><c>Revk</c>: the leader gives the ticket up (admin revoke).</summary>
    Revoke = 0x5265766B,

    /// <summary><c>RJC!</c>: a reject; <c>result</c> holds the reason.</summary>
    Rejected = 0x524A4321,

    /// <summary><c>CLst</c>: client asks for the ticket list.</summary>
    ClientList = 0x434C7374,

    /// <summary><c>CGnt</c>: client grants a ticket.</summary>
    ClientGrant = 0x43476E74,

    /// <summary><c>CRvk</c>: client revokes a ticket.</summary>
    ClientRevoke = 0x4352766B,

    /// <summary><c>Peer</c>: client asks for the peer counters.</summary>
    ClientPeers = 0x50656572,

    /// <summary><c>Rslt</c>: daemon's result for grant and revoke.</summary>
    ClientResult = 0x52736C74,

    /// <summary><c>RLst</c>: daemon's text reply for list and peers.</summary>
    ClientListReply = 0x524C7374,

    /// <summary><c>RGnt</c>: defined by booth, never sent.</summary>
    ClientGrantReply = 0x52476E74,

    /// <summary><c>RRvk</c>: defined by booth, never sent.</summary>
    ClientRevokeReply = 0x5252766B,

    /// <summary><c>ASet</c>: geostore set (not served by SplitGuard).</summary>
    AttributeSet = 0x41536574,

    /// <summary><c>AGet</c>: geostore get.</summary>
    AttributeGet = 0x41476574,

    /// <summary><c>ADel</c>: geostore delete.</summary>
    AttributeDelete = 0x4144656C,

    /// <summary><c>ALst</c>: geostore list.</summary>
    AttributeList = 0x414C7374,
}
