namespace SplitGuard.Core.Placement;

/// <summary>The lease engine's verdict for one instant.</summary>
/// <param name="Run">True: this node may run the exclusive resources now. False: it must stop them (or keep them stopped).</param>
/// <param name="Term">The lease term this node believes in.</param>
/// <param name="Holder">The lease holder this node believes in (0: none).</param>
/// <param name="Reason">Why, in words, for the log and <c>status --why</c>.</param>
public readonly record struct OwnershipDecision(bool Run, uint Term, ushort Holder, string Reason);
