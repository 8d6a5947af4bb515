using System.Net;

namespace SplitGuard.Core.Config;

/// <summary>
/// One <c>site</c> or <c>arbitrator</c> line of booth.conf. <see cref="Index"/> is its position among all members
/// (the bit in vote and ack masks); <see cref="Id"/> is booth's CRC-32 site id of <see cref="Address"/>;
/// <see cref="Port"/> is the <c>port</c> value in effect when the line was read (booth's quirk).
/// </summary>
public sealed record BoothMember(int Index, BoothMemberType Type, string Text, IPAddress Address, int Port, uint Id, int Line)
{
    /// <summary>True for a site.</summary>
    public bool IsSite => Type == BoothMemberType.Site;

    /// <summary>The address as booth prints it in list and peers output.</summary>
    public override string ToString() => Address.ToString();
}
