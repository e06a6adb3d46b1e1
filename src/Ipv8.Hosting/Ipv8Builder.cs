using Ipv8.Engine;
using Ipv8.Engine.Communities;
using Microsoft.Extensions.DependencyInjection;

namespace Ipv8.Hosting;

/// <summary>Adds communities to the hosted node.</summary>
public sealed class Ipv8Builder
{
    internal Ipv8Builder(IServiceCollection services) => Services = services;

    /// <summary>The service collection.</summary>
    public IServiceCollection Services { get; }

    /// <summary>
    /// Adds a community to the node, built when the node is first resolved, and registers it as a singleton
    /// <typeparamref name="T"/>. Its settings (max peers, walkers, bootstrapping) come from
    /// <see cref="Ipv8Options.Communities"/><c>[name]</c>, falling back to the node-wide defaults.
    /// </summary>
    /// <param name="name">The key in <see cref="Ipv8Options.Communities"/>; default: the type's name.</param>
    /// <param name="factory">
    /// Builds the community from the container and the node's settings for it. Default: the constructor of
    /// <typeparamref name="T"/> that takes a <see cref="CommunitySettings"/> (other parameters come from the container).
    /// </param>
    public Ipv8Builder AddCommunity<T>(string? name = null, Func<IServiceProvider, CommunitySettings, T>? factory = null)
        where T : Community
    {
        var registration = new Ipv8CommunityRegistration(
            typeof(T),
            name ?? typeof(T).Name,
            factory is null
                ? (sp, settings) => ActivatorUtilities.CreateInstance<T>(sp, settings)
                : (sp, settings) => factory(sp, settings));
        if (typeof(DiscoveryCommunity).IsAssignableFrom(typeof(T)))
        {
            throw new InvalidOperationException(
                "The DiscoveryCommunity is added by the Ipv8:DiscoveryCommunity setting (default true); configure it under Ipv8:Communities:DiscoveryCommunity.");
        }

        foreach (var existing in Services.Where(d => d.ServiceType == typeof(Ipv8CommunityRegistration)))
        {
            if (existing.ImplementationInstance is Ipv8CommunityRegistration other && string.Equals(other.Name, registration.Name, StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"A community named '{registration.Name}' was already added; give the second one another name.");
            }
        }

        Services.AddSingleton(registration);
        Services.AddSingleton(sp => (T)Ipv8NodeFactory.CommunityOf(sp, registration));
        return this;
    }
}

/// <summary>One community to build when the node is created.</summary>
/// <param name="Type">The type the community is registered as.</param>
/// <param name="Name">Its key in <see cref="Ipv8Options.Communities"/>.</param>
/// <param name="Create">Builds it.</param>
/// <param name="IsDiscovery">The DiscoveryCommunity, built only when <see cref="Ipv8Options.DiscoveryCommunity"/> is set.</param>
internal sealed record Ipv8CommunityRegistration(Type Type, string Name, Func<IServiceProvider, CommunitySettings, Community> Create, bool IsDiscovery = false);
