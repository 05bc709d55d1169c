package io.maintenance.datastore.falkordb.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The indexes and constraints of a graph, in the server's order (which is the field order of
 * full-text indexes); {@link #describe()} gives a canonical, sorted form for comparisons.
 */
public record GraphSchema(List<Index> indexes, List<Constraint> constraints) {
  public static final GraphSchema EMPTY = new GraphSchema(List.of(), List.of());

  public GraphSchema {
    indexes = List.copyOf(indexes);
    constraints = List.copyOf(constraints);
  }

  /** NODE or RELATIONSHIP. */
  public enum Entity {
    NODE,
    RELATIONSHIP
  }

  public enum IndexKind {
    RANGE,
    FULLTEXT,
    VECTOR
  }

  /**
   * One indexed property.
   *
   * @param options full-text: language, stopwords (empty means the server's default list), weight,
   *     nostem, phonetic; vector: dimension, similarityFunction, M, efConstruction, efRuntime
   */
  public record Index(Entity entity, String label, IndexKind kind, String property, Map<String, Object> options) {
    public Index {
      Objects.requireNonNull(entity, "entity");
      Objects.requireNonNull(label, "label");
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(property, "property");
      options = java.util.Collections.unmodifiableMap(new TreeMap<>(options));
    }

    public String describe() {
      return kind + " INDEX " + entity + " " + label + "(" + property + ")" + (options.isEmpty() ? "" : " " + options);
    }
  }

  public record Constraint(String type, Entity entity, String label, List<String> properties) {
    public Constraint {
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(entity, "entity");
      Objects.requireNonNull(label, "label");
      properties = List.copyOf(properties);
    }

    public String describe() {
      return type + " CONSTRAINT " + entity + " " + label + properties;
    }
  }

  /** Every index and constraint as one line each, sorted: the input of fingerprints and diffs. */
  public List<String> describe() {
    List<String> out = new ArrayList<>(indexes.stream().map(Index::describe).sorted().toList());
    out.addAll(constraints.stream().map(Constraint::describe).sorted().toList());
    return out;
  }

  /** What a restore changes: "+ ..." for what it adds, "- ..." for what it removes. */
  public static List<String> diff(GraphSchema now, GraphSchema after) {
    TreeSet<String> before = new TreeSet<>(now.describe());
    TreeSet<String> later = new TreeSet<>(after.describe());
    List<String> changes = new ArrayList<>();
    for (String s : later) {
      if (!before.contains(s)) {
        changes.add("+ " + s);
      }
    }
    for (String s : before) {
      if (!later.contains(s)) {
        changes.add("- " + s);
      }
    }
    return changes;
  }

  /** Full-text fields grouped per (entity, label): the server creates one full-text index per label. */
  public Map<String, List<Index>> fulltextGroups() {
    Map<String, List<Index>> groups = new LinkedHashMap<>();
    for (Index i : indexes) {
      if (i.kind() == IndexKind.FULLTEXT) {
        groups.computeIfAbsent(i.entity() + "\0" + i.label(), k -> new ArrayList<>()).add(i);
      }
    }
    return groups;
  }

  /** Every label, type and property name the schema mentions (for identifier validation). */
  public Collection<String> identifiers() {
    List<String> ids = new ArrayList<>();
    for (Index i : indexes) {
      ids.add(i.label());
      ids.add(i.property());
    }
    for (Constraint c : constraints) {
      ids.add(c.label());
      ids.addAll(c.properties());
    }
    return ids;
  }
}
