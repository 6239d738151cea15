/* The explorables' strings in Chinese, loaded after strings.js on the pages
 * of the Chinese edition (book/_ext/reader_site.py adds it). Every key of
 * strings.js has its translation here (tests/js/explorables.test.js checks
 * that, and that each keeps the {name} fields of the English).
 */
(function (root) {
  "use strict";
  var Z = {
    amplify: {
      title: "动手试试：softmax 如何分配分数",
      intro: "拖动分数。softmax（蓝色）和直接归一化 z / Σz（橙色）分配的是同一组分数；缩放系数把所有分数同时乘上同一个数。",
      score: "分数 {name}",
      scale: "所有分数的缩放系数",
      softmax: "softmax",
      plain: "直接归一化",
      plainUndefined: "直接归一化要求每个分数都 > 0",
      ratio: "p{i} / p{j} = e^(z{i} − z{j}) = {value}",
      live: "softmax 给最大分数 {top}；直接归一化给它 {plain}。",
      livePlainUndefined: "softmax 给最大分数 {top}；分数 ≤ 0 时直接归一化没有定义。",
      ariaBars: "分数的 softmax 与直接归一化的条形图",
      preset: "试试较小的分数 0.5、0.7、1.0",
    },
    overflow: {
      title: "动手试试：教科书公式在哪里上溢",
      intro: "选一种浮点类型，拖动最大的 logit。其余 logit 为 {others}。每一步运算都舍入到所选类型。",
      dtype: "类型",
      largest: "最大的 logit",
      threshold: "在 {dtype} 中，exp 在 {value} 以上上溢",
      naive: "教科书公式 e^z / Σ e^z",
      shifted: "平移后的公式 e^(z − max) / Σ e^(z − max)",
      overflowed: "上溢：在 {dtype} 中 e^{value} 为 ∞",
      fine: "有限",
      live: "{dtype}，最大 logit 为 {value}：教科书公式给出 {naive}；平移后的公式给出 {shifted}。",
      ariaBars: "两个公式所得概率的条形图",
    },
    decoding: {
      title: "动手试试：温度与解码过滤器",
      intro: "一个玩具模型在 “the cat sat on the” 之后给出的下一个词元的分数。温度先缩放分数；top-k、top-p 和 min-p 再去掉一些词元，剩下的重新归一化。",
      temperature: "温度 T",
      topK: "top-k（0 = 关闭）",
      topP: "top-p（1 = 关闭）",
      minP: "min-p（0 = 关闭）",
      entropy: "熵 {value} nat，保留 {n} 个词元中的 {kept} 个",
      sample: "采样一个词元",
      reseed: "种子 {seed}",
      sampled: "采样结果：“{token}”",
      live: "T = {t}：概率最高的词元 “{token}” 的概率为 {p}；保留 {kept} 个词元；熵 {h} nat。",
      ariaBars: "下一个词元分布的条形图",
    },
    sigmoid: {
      title: "动手试试：sigmoid 就是两类 softmax",
      intro: "两个类别，logit 为 z₀ 和 z₁。这一对 logit 的 softmax 等于二者之差的 sigmoid；两者一起移动，结果不变。",
      z0: "logit z₀",
      z1: "logit z₁",
      shift: "两个 logit 同时加 1",
      softmax: "softmax([z₀, z₁])₁ = {value}",
      sigmoid: "σ(z₁ − z₀) = {value}",
      axis: "z₁ − z₀",
      live: "z₁ − z₀ = {diff}：softmax 给类别 1 的概率为 {p}，而 σ(z₁ − z₀) = {s}。",
      ariaPlot: "sigmoid 曲线，标出了当前的差值",
    },
    attention: {
      title: "动手试试：缩放后的分数、掩码与全掩码行",
      intro: "5 个查询（行）对 5 个键（列）的分数 q·k，各元素的方差为 d。乘以 1/√d 缩放、加掩码，再看注意力权重。",
      d: "头的宽度 d",
      scale: "乘以 1/√d 缩放",
      causal: "因果掩码",
      padding: "最后一个键是填充",
      blockRow: "屏蔽查询 0 的所有键",
      weights: "注意力权重（每行之和为 1；全掩码行为 0）",
      rowSummary: "查询 {row}：最大权重 {w}",
      maskedRow: "查询 {row}：所有键都被屏蔽，权重为 0（本书的约定）",
      live: "查询 4 这一行的最大权重：{w}。{masked}",
      noMasked: "没有哪一行被完全屏蔽。",
      someMasked: "查询 0 这一行被完全屏蔽：它的权重全为 0。",
      ariaHeat: "注意力权重的热图",
      query: "q{i}",
      key: "k{j}",
    },
    online: {
      title: "动手试试：在线归一化，一次读一块",
      intro: "一行 12 个分数，分块读入。运行最大值 m 和运行和 d = Σ e^(x − m) 就是全部状态；m 变大时，d 乘以 e^(m_old − m_new) 重新缩放。",
      chunk: "块大小",
      step: "读入下一块",
      reset: "重新开始",
      state: "已读 {n} 个分数中的 {seen} 个：m = {m}，d = {d}",
      rescale: "m 从 {old} 增大到 {new}：d 乘以 e^({old} − {new}) = {factor}",
      noRescale: "m 没有变大：d 只加上新的项",
      done: "全部读完：softmax = e^(x − m) / d，与两遍扫描的 softmax 相同（最大差值 {diff}）",
      live: "已读 {n} 个中的 {seen} 个：m = {m}，d = {d}。",
      ariaRow: "这一行分数，已读的块已标出",
    },
  };
  var S = root.SoftmaxExplorableStrings || {};
  Object.keys(Z).forEach(function (name) {
    S[name] = Object.assign({}, S[name] || {}, Z[name]);
  });
  root.SoftmaxExplorableStrings = S;
  if (typeof module === "object" && module.exports) module.exports = Z;
})(typeof self !== "undefined" ? self : this);
