package io.maintenance.spring.boot.internal;

import io.maintenance.spi.DatastoreFactory;
import io.maintenance.spi.StorageProviderFactory;
import io.maintenance.spring.boot.MaintenanceProperties;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeSet;
import java.util.function.Function;
import org.springframework.boot.context.properties.bind.AbstractBindHandler;
import org.springframework.boot.context.properties.bind.BindContext;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.context.properties.bind.handler.NoUnboundElementsBindHandler;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.core.env.Environment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * Binds {@code maintenance.*} with Spring's binder and checks it, collecting every problem (values that do not
 * convert, unknown keys, missing or unknown plugin types, out-of-range numbers) before failing once with all
 * of them. Spring's own binding stops at the first value that does not convert.
 */
public final class PropertiesCheck {
  private PropertiesCheck() {}

  public static MaintenanceProperties bind(Environment environment, ClassLoader loader) {
    List<String> errors = new ArrayList<>();
    java.util.Set<ConfigurationPropertyName> failed = new java.util.HashSet<>();
    MaintenanceProperties props = new MaintenanceProperties();
    AbstractBindHandler collecting = new AbstractBindHandler() {
      @Override
      public Object onFailure(ConfigurationPropertyName name, Bindable<?> target, BindContext context, Exception error) {
        ConfigurationProperty property = context.getConfigurationProperty();
        String value = property == null ? "" : " '" + property.getValue() + "'";
        failed.add(name);
        errors.add(name + ": the value" + value + " is not a valid " + target.getType().resolve(Object.class).getSimpleName()
            + " (" + rootMessage(error) + ")");
        return null;
      }
    };
    try {
      // Unknown keys are refused from configuration files, system properties and the command line, not from the
      // process environment: any variable named MAINTENANCE_* would count, including other programs' ones.
      Binder.get(environment).bind("maintenance", Bindable.ofInstance(props), new NoUnboundElementsBindHandler(collecting,
          source -> !(source.getUnderlyingSource() instanceof SystemEnvironmentPropertySource)));
    } catch (BindException e) {
      if (e.getCause() instanceof UnboundConfigurationPropertiesException unbound) {
        // A value that did not convert stays unbound too; it was reported already.
        unbound.getUnboundProperties().stream().filter(p -> !failed.contains(p.getName()))
            .forEach(p -> errors.add(p.getName() + ": is not a maintenance setting"));
      } else {
        errors.add(e.getName() + ": " + rootMessage(e));
      }
    }
    check(props, loader, errors);
    if (!errors.isEmpty()) {
      throw new MaintenanceConfigurationException(errors);
    }
    return props;
  }

  static void check(MaintenanceProperties p, ClassLoader loader, List<String> errors) {
    if (!p.isEnabled()) {
      return;
    }
    Collection<String> storageTypes = names(ServiceLoader.load(StorageProviderFactory.class, loader), StorageProviderFactory::name);
    Collection<String> datastoreTypes = names(ServiceLoader.load(DatastoreFactory.class, loader), DatastoreFactory::type);
    String storageType = p.getStorage().get("type");
    if (blank(storageType)) {
      errors.add("maintenance.storage.type: is required; one of " + known(storageTypes));
    } else if (!storageTypes.contains(storageType)) {
      errors.add("maintenance.storage.type: unknown storage provider '" + storageType + "'; one of " + known(storageTypes));
    }
    if (p.getDatastores().isEmpty()) {
      errors.add("maintenance.datastores: at least one datastore is required (maintenance.datastores.<id>.type=one of "
          + known(datastoreTypes) + ")");
    }
    p.getDatastores().forEach((id, config) -> {
      String type = config.get("type");
      if (blank(type)) {
        errors.add("maintenance.datastores." + id + ".type: is required; one of " + known(datastoreTypes));
      } else if (!datastoreTypes.contains(type)) {
        errors.add("maintenance.datastores." + id + ".type: unknown datastore type '" + type + "'; one of " + known(datastoreTypes));
      }
    });
    if (blank(p.getBackupFolder())) {
      errors.add("maintenance.backup-folder: must not be blank");
    }
    if (p.getStoragePrefix() != null && blank(p.getStoragePrefix())) {
      errors.add("maintenance.storage-prefix: must not be blank");
    }
    positive(errors, "maintenance.probe-timeout", p.getProbeTimeout());
    if (p.getInstanceName() != null && p.getInstanceName().isBlank()) {
      errors.add("maintenance.instance-name: must not be blank when set");
    }
    MaintenanceProperties.Restore r = p.getRestore();
    if (r.getApprovalsRequired() < 0) {
      errors.add("maintenance.restore.approvals-required: must be 0 or more, was " + r.getApprovalsRequired());
    }
    positive(errors, "maintenance.restore.token-ttl", r.getTokenTtl());
    MaintenanceProperties.Retention t = p.getRetention();
    notNegative(errors, "maintenance.retention.keep-last", t.getKeepLast());
    notNegative(errors, "maintenance.retention.keep-daily", t.getKeepDaily());
    notNegative(errors, "maintenance.retention.keep-weekly", t.getKeepWeekly());
    notNegative(errors, "maintenance.retention.keep-monthly", t.getKeepMonthly());
    if (t.getKeepWithin() != null && t.getKeepWithin().isNegative()) {
      errors.add("maintenance.retention.keep-within: must not be negative, was " + t.getKeepWithin());
    }
    MaintenanceProperties.Catalog c = p.getCatalog();
    if (blank(c.getUrl()) && (c.getUsername() != null || c.getPassword() != null)) {
      errors.add("maintenance.catalog.url: is required when maintenance.catalog.username or password is set");
    }
    if (!blank(c.getUrl()) && !org.springframework.util.ClassUtils.isPresent("org.springframework.boot.jdbc.DataSourceBuilder", loader)) {
      errors.add("maintenance.catalog.url: needs spring-boot-jdbc (spring-boot-starter-jdbc) on the class path to build the pool");
    }
    String base = p.getWeb().getBasePath();
    if (base == null || !base.matches("(/[A-Za-z0-9._~-]+)+")) {
      errors.add("maintenance.web.base-path: must look like /maintenance or /admin/maintenance (no trailing slash, no"
          + " wildcards), was '" + base + "'");
    }
    if (p.getWeb().getMaxBodySize() == null || p.getWeb().getMaxBodySize().toBytes() <= 0
        || p.getWeb().getMaxBodySize().toBytes() > Integer.MAX_VALUE - 1) {
      errors.add("maintenance.web.max-body-size: must be between 1B and 2GB, was " + p.getWeb().getMaxBodySize());
    }
    MaintenanceProperties.Authorities a = p.getSecurity().getAuthorities();
    Map<String, List<String>> grants = new LinkedHashMap<>();
    grants.put("read", a.getRead());
    grants.put("backup", a.getBackup());
    grants.put("restore-preview", a.getRestorePreview());
    grants.put("restore-approve", a.getRestoreApprove());
    grants.put("restore-apply", a.getRestoreApply());
    grants.put("housekeeping", a.getHousekeeping());
    grants.forEach((scope, list) -> {
      if (list.stream().anyMatch(PropertiesCheck::blank)) {
        errors.add("maintenance.security.authorities." + scope + ": must not contain blank authorities");
      }
    });
  }

  /** Plugin keys are kebab-case; camelCase or snake_case spellings in Spring configuration are accepted too. */
  public static Map<String, String> pluginConfig(Map<String, String> raw) {
    Map<String, String> out = new LinkedHashMap<>();
    raw.forEach((k, v) -> {
      if (!k.equals("type")) {
        out.put(k.replaceAll("([a-z0-9])([A-Z])", "$1-$2").replace('_', '-').toLowerCase(Locale.ROOT), v);
      }
    });
    return out;
  }

  private static <T> Collection<String> names(ServiceLoader<T> loader, Function<T, String> name) {
    Collection<String> out = new TreeSet<>();
    loader.forEach(f -> out.add(name.apply(f)));
    return out;
  }

  private static String known(Collection<String> names) {
    return names.isEmpty() ? "none: no plugin jar is on the class path" : String.join(", ", names);
  }

  private static void positive(List<String> errors, String key, Duration d) {
    if (d == null || d.isZero() || d.isNegative()) {
      errors.add(key + ": must be a positive duration, was " + d);
    }
  }

  private static void notNegative(List<String> errors, String key, Integer n) {
    if (n != null && n < 0) {
      errors.add(key + ": must be 0 or more, was " + n);
    }
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}
