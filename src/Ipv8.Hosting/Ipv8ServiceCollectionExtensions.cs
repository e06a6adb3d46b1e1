using Ipv8.Engine;
using Ipv8.Engine.Communities;
using Ipv8.Engine.Endpoints;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ipv8.Hosting;

/// <summary>Registers an Ipv8 node in a service collection.</summary>
public static class Ipv8ServiceCollectionExtensions
{
    /// <summary>
    /// Adds a node configured in code: an <see cref="Ipv8Node"/> singleton, its key, its UDP endpoint and a hosted
    /// service that starts it with the host and stops it (in py-ipv8's unload order) when the host stops. Add
    /// communities with <see cref="Ipv8Builder.AddCommunity{T}(string?, Func{IServiceProvider, CommunitySettings, T}?)"/>.
    /// </summary>
    /// <remarks>
    /// Services registered before this call replace the defaults: an <see cref="Wire.Crypto.LibNaClPrivateKey"/>
    /// replaces <see cref="Ipv8Options.KeyFile"/>, an <see cref="IEndpoint"/> replaces the UDP endpoint. The node uses the
    /// container's <see cref="Microsoft.Extensions.Logging.ILoggerFactory"/>, <see cref="System.Diagnostics.Metrics.IMeterFactory"/>
    /// and <see cref="TimeProvider"/> when there are any. Options are validated when the host starts.
    /// </remarks>
    public static Ipv8Builder AddIpv8(this IServiceCollection services, Action<Ipv8Options>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<Ipv8Options>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return AddCore(services);
    }

    /// <summary>
    /// Adds a node configured from a configuration section (for example <c>builder.Configuration.GetSection("Ipv8")</c>),
    /// then from <paramref name="configure"/>. See <see cref="AddIpv8(IServiceCollection, Action{Ipv8Options}?)"/>.
    /// </summary>
    public static Ipv8Builder AddIpv8(this IServiceCollection services, IConfiguration configuration, Action<Ipv8Options>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var options = services.AddOptions<Ipv8Options>().Configure(settings =>
        {
            try
            {
                configuration.Bind(settings, binder => binder.ErrorOnUnknownConfiguration = true);
            }
            catch (InvalidOperationException ex)
            {
                // An unknown key or a value of the wrong type: refused like any other bad setting.
                throw Ipv8OptionsValidator.Refuse(UnknownKeys(SectionPath(configuration), ex.Message));
            }
        });
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return AddCore(services);
    }

    private static Ipv8Builder AddCore(IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(Ipv8Marker)))
        {
            throw new InvalidOperationException("AddIpv8 was already called on this service collection: one hosted node per container.");
        }

        services.AddSingleton<Ipv8Marker>();
        services.AddSingleton<Ipv8CommunityInstances>();
        var discovery = new Ipv8CommunityRegistration(typeof(DiscoveryCommunity), Ipv8NodeFactory.DiscoveryCommunityName, (_, settings) => new DiscoveryCommunity(settings), IsDiscovery: true);
        services.AddSingleton(discovery);
        services.AddSingleton(sp => (DiscoveryCommunity)Ipv8NodeFactory.CommunityOf(sp, discovery));
        services.AddOptions<Ipv8Options>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<Ipv8Options>, Ipv8OptionsValidator>());
        services.AddTransient<IOptionsFactory<Ipv8Options>, Ipv8OptionsFactory>(); // failed validation: one line, no stack trace
        services.AddSingleton(sp => Ipv8NodeFactory.LoadKey(sp.GetRequiredService<IOptions<Ipv8Options>>().Value, sp));
        services.TryAddSingleton(sp => sp.GetRequiredService<Ipv8Key>().Key);
        services.TryAddSingleton(sp => Ipv8NodeFactory.CreateEndpoint(sp.GetRequiredService<IOptions<Ipv8Options>>().Value, sp.GetService<ILoggerFactory>()));
        services.TryAddSingleton(Ipv8NodeFactory.CreateNode);
        services.AddHostedService<Ipv8HostedService>();
        return new Ipv8Builder(services);
    }

    /// <summary>
    /// "Ipv8: 'Prot' is not a setting of Ipv8Options" for the binder's "… the following properties were not found on the
    /// instance of Ipv8.Hosting.Ipv8Options: 'Prot'"; any other binder error as the binder says it.
    /// </summary>
    private static string UnknownKeys(string section, string message)
    {
        const string marker = "were not found on the instance of ";
        var at = message.IndexOf(marker, StringComparison.Ordinal);
        var colon = at < 0 ? -1 : message.IndexOf(": ", at, StringComparison.Ordinal);
        if (colon < 0)
        {
            return $"{section}: {message.ReplaceLineEndings(" ")}";
        }

        var type = message[(at + marker.Length)..colon];
        var keys = message[(colon + 2)..].ReplaceLineEndings(" ").Trim();
        return $"{section}: {keys} {(keys.Contains(',', StringComparison.Ordinal) ? "are not settings" : "is not a setting")} of {type[(type.LastIndexOf('.') + 1)..]} (see docs/hosting.md).";
    }

    private static string SectionPath(IConfiguration configuration) => configuration is IConfigurationSection { Path.Length: > 0 } section ? section.Path : Ipv8Options.SectionName;

    /// <summary>Marks a collection that already has a node.</summary>
    private sealed class Ipv8Marker;
}
